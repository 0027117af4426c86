/**
 * Issue #8: GET /reports/savings on a hand-computed data set, against the real API and Postgres (a
 * database of this suite's own). Deliveries and workflow events are inserted with chosen numbers and
 * times, the summaries are maintained by the same service the API's writers call, and every expected
 * row below was computed by hand from the table in `beforeAll`.
 *
 *   exchange  category  supplier → receiver     deliveries (month: MWh, t CO2; v = verified)
 *   X1        heat      A (BE-VOV) → B (BE-VOV)  2025-01: 100, 20 v; 2025-02: 110, 22 v; 2025-04: 90, 18 (unverified)
 *   X2        co2       C (NL-ZE) → B (BE-VOV)   2025-01: 5, 50 v;   2025-03: 6, 60 v
 *   X3        heat      A (BE-VOV) → D (BE-VAN)  2025-02: 200, 40 v; 2025-03: 210, 42 v
 *   X4        co2       E (BE-VOV) → C (NL-ZE)   2025-05: 3, 30 v
 *
 *   approved basis (agreed annual MWh / t CO2; times in Europe/Brussels):
 *   X1 1200 / 240, approved 2025-01-01 00:00, still active  → 100 / 20 every month
 *   X3 2400 / 480, approved 2025-02-15, closed 2025-04-16   → Feb 14/28, Mar whole, Apr 15/30 of 200 / 40
 *   X4 36 / 360,   approved 2025-05-01 00:00, still active  → 3 / 30 every month from May
 *   X2 has no workflow events (set active directly): it has no approved span.
 *
 *   potential basis: a plan with X1's pair (1200 / 240 a year) and X3's pair (2400 / 480, the demand
 *   available until 2025-03-31).
 */
import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobQueue } from '@symbiose/core';
import { ReportSummaryService } from '@symbiose/domain';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  API,
  apiKeyHeader,
  bearer,
  createApiKey,
  createCompanies,
  createSite,
  createUsers,
  SITE_LOCATIONS,
  TestSite,
  tokenFor,
} from './factories';
import {
  insertDeliveries,
  insertExchange,
  insertScoredHeatExchange,
  refreshSummaries,
  siteIn,
} from './reports-fixtures';
import { findAll, freshReportsDatabase, parseCsv, parseXml } from './reports-support';
import { ApiHarness, pollUntil, startApi } from './support/api-harness';
import { obliterateQueues, startWorker } from './support/worker-harness';

type Row = Record<string, unknown>;
/** supertest buffers image/svg+xml as binary. */
const svgText = (res: request.Response): string =>
  Buffer.isBuffer(res.body) ? res.body.toString('utf8') : res.text;
const row = (r: Row) => ({ suppressed: false, partial: false, ...r });

describe('savings reports (hand-computed data set)', () => {
  let config: AppConfig;
  let api: ApiHarness;
  let db: DataSource;
  let coordinator: string;
  let admin: string;
  let officer: string;
  let provinceKey: string;
  const ids: Record<string, string> = {};
  const deliveryIds: Record<string, string[]> = {};
  let siteB: TestSite;

  const report = (token: string, query: string) =>
    request(api.url).get(`${API}/reports/savings?${query}`).set(bearer(token));

  beforeAll(async () => {
    config = await freshReportsDatabase('reports');
    api = await startApi({ DATABASE_URL: config.DATABASE_URL, QUEUE_PREFIX: config.QUEUE_PREFIX });
    db = api.db;
    const [a, b, c, d, e] = await createCompanies(db, [
      { name: 'A Steel' },
      { name: 'B Greenhouses' },
      { name: 'C Chemicals', country: 'NL' },
      { name: 'D Paper' },
      { name: 'E Fertiliser' },
    ]);
    const site: Record<string, TestSite> = {
      A: await siteIn(db, a.id, 'BE-VOV'),
      B: await createSite(db, { companyId: b.id, ...SITE_LOCATIONS.zelzate }),
      C: await siteIn(db, c.id, 'NL-ZE'),
      D: await siteIn(db, d.id, 'BE-VAN'),
      E: await siteIn(db, e.id, 'BE-VOV'),
    };
    siteB = site.B;
    const [coord, adm, off, prov] = await createUsers(db, [
      { role: 'coordinator' },
      { role: 'admin' },
      { role: 'officer', companyId: a.id },
      { role: 'province', region: 'BE-VOV' },
    ]);
    coordinator = tokenFor(api, coord);
    admin = tokenFor(api, adm);
    officer = tokenFor(api, off);
    provinceKey = (await createApiKey(db, prov.id)).key;

    const x1 = await insertExchange(db, {
      category: 'heat',
      supplierSite: site.A,
      receiverSite: site.B,
      energyPerYear: 1200,
      co2PerYear: 240,
      status: 'active',
      events: [
        { to: 'approved', at: '2024-12-31T23:00:00Z' },
        { to: 'active', at: '2025-01-01T08:00:00Z' },
      ],
    });
    const x2 = await insertExchange(db, { category: 'co2', supplierSite: site.C, receiverSite: site.B });
    const x3 = await insertExchange(db, {
      category: 'heat',
      supplierSite: site.A,
      receiverSite: site.D,
      energyPerYear: 2400,
      co2PerYear: 480,
      status: 'closed',
      events: [
        { to: 'approved', at: '2025-02-15T11:00:00Z' },
        { to: 'active', at: '2025-02-16T11:00:00Z' },
        { to: 'closed', at: '2025-04-16T10:00:00Z' },
      ],
      demandWindow: { until: '2025-03-31' },
    });
    const x4 = await insertExchange(db, {
      category: 'co2',
      supplierSite: site.E,
      receiverSite: site.C,
      energyPerYear: 36,
      co2PerYear: 360,
      status: 'active',
      events: [
        { to: 'approved', at: '2025-04-30T22:00:00Z' },
        { to: 'active', at: '2025-05-02T08:00:00Z' },
      ],
    });
    Object.assign(ids, { x1: x1.matchId, x2: x2.matchId, x3: x3.matchId, x4: x4.matchId });
    deliveryIds.x1 = await insertDeliveries(db, x1.matchId, [
      { period: '2025-01', energy: 100, co2: 20 },
      { period: '2025-02', energy: 110, co2: 22 },
      { period: '2025-04', energy: 90, co2: 18, verified: false },
    ]);
    await insertDeliveries(db, x2.matchId, [
      { period: '2025-01', energy: 5, co2: 50 },
      { period: '2025-03', energy: 6, co2: 60 },
    ]);
    await insertDeliveries(db, x3.matchId, [
      { period: '2025-02', energy: 200, co2: 40 },
      { period: '2025-03', energy: 210, co2: 42 },
    ]);
    await insertDeliveries(db, x4.matchId, [{ period: '2025-05', energy: 3, co2: 30 }]);
    await refreshSummaries(api, [x1.matchId, x2.matchId, x3.matchId, x4.matchId]);

    const [plan] = (await db.query(
      `INSERT INTO allocation_plans (engine_version, factor_set_version, status, input_hash, plan_energy_mwh,
         plan_co2_t, greedy_energy_mwh, greedy_co2_t, naive_energy_mwh, naive_co2_t, pairs_count, items_count,
         supplies_count, demands_count, solver)
       VALUES ('fixture', '2026.1', 'optimal', 'fixture', 3600, 720, 3600, 720, 3600, 720, 2, 2, 2, 2, '{}')
       RETURNING id`,
    )) as { id: string }[];
    for (const [x, energy, co2] of [
      [x1, 1200, 240],
      [x3, 2400, 480],
    ] as const) {
      await db.query(
        `INSERT INTO allocation_plan_items (plan_id, match_id, supply_stream_id, demand_stream_id, category, unit,
           quantity, supply_used, co2_t, energy_mwh)
         VALUES ($1, $2, $3, $4, 'heat', 'MWh/yr', 12000, 12000, $5, $6)`,
        [plan.id, x.matchId, x.supplyId, x.demandId, co2, energy],
      );
    }
  });
  afterAll(async () => api?.close());

  describe('realised basis (verified deliveries, unverified apart)', () => {
    it('by month, all regions', async () => {
      const res = await report(coordinator, 'from=2025-01&to=2025-06').expect(200);
      expect(res.body).toMatchObject({
        basis: 'realised',
        from: '2025-01',
        to: '2025-06',
        period: 'month',
        groupBy: ['period'],
        attribution: 'receiver',
        region: null,
        suppression: { applied: false, minCompanies: 3 },
      });
      expect(res.body.rows).toEqual([
        row({ period: '2025-01', energySavedMWh: 105, co2AvoidedTonnes: 70, exchanges: 2, companies: 3 }),
        row({ period: '2025-02', energySavedMWh: 310, co2AvoidedTonnes: 62, exchanges: 2, companies: 3 }),
        row({ period: '2025-03', energySavedMWh: 216, co2AvoidedTonnes: 102, exchanges: 2, companies: 4 }),
        row({ period: '2025-05', energySavedMWh: 3, co2AvoidedTonnes: 30, exchanges: 1, companies: 2 }),
      ]);
      expect(res.body.totals).toEqual(
        row({ energySavedMWh: 634, co2AvoidedTonnes: 264, exchanges: 4, companies: 5 }),
      );
      expect(res.body.unverified).toEqual({
        rows: [
          row({ period: '2025-04', energySavedMWh: 90, co2AvoidedTonnes: 18, exchanges: 1, companies: 2 }),
        ],
        totals: row({ energySavedMWh: 90, co2AvoidedTonnes: 18, exchanges: 1, companies: 2 }),
      });
    });

    it('by quarter: exchanges and companies are distinct over the quarter, not summed over its months', async () => {
      const res = await report(admin, 'from=2025-01&to=2025-06&period=quarter').expect(200);
      expect(res.body.rows).toEqual([
        row({ period: '2025-Q1', energySavedMWh: 631, co2AvoidedTonnes: 234, exchanges: 3, companies: 4 }),
        row({ period: '2025-Q2', energySavedMWh: 3, co2AvoidedTonnes: 30, exchanges: 1, companies: 2 }),
      ]);
    });

    it('a quarter cut by `from` covers only its months inside the range', async () => {
      const res = await report(coordinator, 'from=2025-02&to=2025-06&period=quarter').expect(200);
      expect(res.body.rows).toEqual([
        row({ period: '2025-Q1', energySavedMWh: 526, co2AvoidedTonnes: 164, exchanges: 3, companies: 4 }),
        row({ period: '2025-Q2', energySavedMWh: 3, co2AvoidedTonnes: 30, exchanges: 1, companies: 2 }),
      ]);
      expect(res.body.totals).toEqual(
        row({ energySavedMWh: 529, co2AvoidedTonnes: 194, exchanges: 4, companies: 5 }),
      );
    });

    it('by year and without any key (one row, the total)', async () => {
      const year = await report(coordinator, 'from=2025-01&to=2025-12&period=year').expect(200);
      expect(year.body.rows).toEqual([
        row({ period: '2025', energySavedMWh: 634, co2AvoidedTonnes: 264, exchanges: 4, companies: 5 }),
      ]);
      const none = await report(coordinator, 'from=2025-01&to=2025-12&groupBy=').expect(200);
      expect(none.body.rows).toEqual([
        row({ energySavedMWh: 634, co2AvoidedTonnes: 264, exchanges: 4, companies: 5 }),
      ]);
    });

    it('by category', async () => {
      const res = await report(coordinator, 'from=2025-01&to=2025-06&groupBy=category').expect(200);
      expect(res.body.rows).toEqual([
        row({ category: 'co2', energySavedMWh: 14, co2AvoidedTonnes: 140, exchanges: 2, companies: 3 }),
        row({ category: 'heat', energySavedMWh: 620, co2AvoidedTonnes: 124, exchanges: 2, companies: 3 }),
      ]);
    });

    it("by region attributed to the receiver's site", async () => {
      const res = await report(coordinator, 'from=2025-01&to=2025-06&groupBy=region').expect(200);
      expect(res.body.rows).toEqual([
        row({ region: 'BE-VAN', energySavedMWh: 410, co2AvoidedTonnes: 82, exchanges: 1, companies: 2 }),
        row({ region: 'BE-VOV', energySavedMWh: 221, co2AvoidedTonnes: 152, exchanges: 2, companies: 3 }),
        row({ region: 'NL-ZE', energySavedMWh: 3, co2AvoidedTonnes: 30, exchanges: 1, companies: 2 }),
      ]);
    });

    it("by region attributed to the supplier's site", async () => {
      const res = await report(
        coordinator,
        'from=2025-01&to=2025-06&groupBy=region&attribution=supplier',
      ).expect(200);
      expect(res.body.rows).toEqual([
        row({ region: 'BE-VOV', energySavedMWh: 623, co2AvoidedTonnes: 154, exchanges: 3, companies: 5 }),
        row({ region: 'NL-ZE', energySavedMWh: 11, co2AvoidedTonnes: 110, exchanges: 1, companies: 2 }),
      ]);
    });

    it('by period, category and region (in the order asked)', async () => {
      const res = await report(
        coordinator,
        'from=2025-01&to=2025-06&groupBy=period,category,region&period=quarter',
      ).expect(200);
      expect(res.body.rows).toEqual([
        row({
          period: '2025-Q1',
          category: 'co2',
          region: 'BE-VOV',
          energySavedMWh: 11,
          co2AvoidedTonnes: 110,
          exchanges: 1,
          companies: 2,
        }),
        row({
          period: '2025-Q1',
          category: 'heat',
          region: 'BE-VAN',
          energySavedMWh: 410,
          co2AvoidedTonnes: 82,
          exchanges: 1,
          companies: 2,
        }),
        row({
          period: '2025-Q1',
          category: 'heat',
          region: 'BE-VOV',
          energySavedMWh: 210,
          co2AvoidedTonnes: 42,
          exchanges: 1,
          companies: 2,
        }),
        row({
          period: '2025-Q2',
          category: 'co2',
          region: 'NL-ZE',
          energySavedMWh: 3,
          co2AvoidedTonnes: 30,
          exchanges: 1,
          companies: 2,
        }),
      ]);
      const byCategoryFirst = await report(
        coordinator,
        'from=2025-01&to=2025-06&groupBy=category,period&period=quarter',
      ).expect(200);
      expect(byCategoryFirst.body.rows.map((r: Row) => `${r.category} ${r.period}`)).toEqual([
        'co2 2025-Q1',
        'co2 2025-Q2',
        'heat 2025-Q1',
      ]);
    });

    it('one region only (coordinator), receiver attribution', async () => {
      const res = await report(coordinator, 'from=2025-01&to=2025-06&region=BE-VOV').expect(200);
      expect(res.body.region).toBe('BE-VOV');
      expect(res.body.rows).toEqual([
        row({ period: '2025-01', energySavedMWh: 105, co2AvoidedTonnes: 70, exchanges: 2, companies: 3 }),
        row({ period: '2025-02', energySavedMWh: 110, co2AvoidedTonnes: 22, exchanges: 1, companies: 2 }),
        row({ period: '2025-03', energySavedMWh: 6, co2AvoidedTonnes: 60, exchanges: 1, companies: 2 }),
      ]);
      expect(res.body.totals).toEqual(
        row({ energySavedMWh: 221, co2AvoidedTonnes: 152, exchanges: 2, companies: 3 }),
      );
    });
  });

  describe('approved basis (agreed estimates pro-rated to the days they ran)', () => {
    it('by month', async () => {
      const res = await report(coordinator, 'from=2025-01&to=2025-06&basis=approved').expect(200);
      expect(res.body.unverified).toBeUndefined();
      expect(res.body.rows).toEqual([
        row({ period: '2025-01', energySavedMWh: 100, co2AvoidedTonnes: 20, exchanges: 1, companies: 2 }),
        row({ period: '2025-02', energySavedMWh: 200, co2AvoidedTonnes: 40, exchanges: 2, companies: 3 }),
        row({ period: '2025-03', energySavedMWh: 300, co2AvoidedTonnes: 60, exchanges: 2, companies: 3 }),
        row({ period: '2025-04', energySavedMWh: 200, co2AvoidedTonnes: 40, exchanges: 2, companies: 3 }),
        row({ period: '2025-05', energySavedMWh: 103, co2AvoidedTonnes: 50, exchanges: 2, companies: 4 }),
        row({ period: '2025-06', energySavedMWh: 103, co2AvoidedTonnes: 50, exchanges: 2, companies: 4 }),
      ]);
      expect(res.body.totals).toEqual(
        row({ energySavedMWh: 1006, co2AvoidedTonnes: 260, exchanges: 3, companies: 5 }),
      );
    });

    it('by year and category; a running exchange counts through the current month', async () => {
      const res = await report(
        coordinator,
        'from=2025-01&to=2025-12&basis=approved&groupBy=period,category&period=year',
      ).expect(200);
      expect(res.body.rows).toEqual([
        row({
          period: '2025',
          category: 'co2',
          energySavedMWh: 24,
          co2AvoidedTonnes: 240,
          exchanges: 1,
          companies: 2,
        }),
        row({
          period: '2025',
          category: 'heat',
          energySavedMWh: 1600,
          co2AvoidedTonnes: 320,
          exchanges: 2,
          companies: 3,
        }),
      ]);
    });

    it("by region, supplier's and receiver's", async () => {
      const supplier = await report(
        coordinator,
        'from=2025-01&to=2025-06&basis=approved&groupBy=region&attribution=supplier',
      ).expect(200);
      expect(supplier.body.rows).toEqual([
        row({ region: 'BE-VOV', energySavedMWh: 1006, co2AvoidedTonnes: 260, exchanges: 3, companies: 5 }),
      ]);
      const receiver = await report(
        coordinator,
        'from=2025-01&to=2025-06&basis=approved&groupBy=region',
      ).expect(200);
      expect(receiver.body.rows).toEqual([
        row({ region: 'BE-VAN', energySavedMWh: 400, co2AvoidedTonnes: 80, exchanges: 1, companies: 2 }),
        row({ region: 'BE-VOV', energySavedMWh: 600, co2AvoidedTonnes: 120, exchanges: 1, companies: 2 }),
        row({ region: 'NL-ZE', energySavedMWh: 6, co2AvoidedTonnes: 60, exchanges: 1, companies: 2 }),
      ]);
    });
  });

  describe('potential basis (latest allocation plan pro-rated)', () => {
    it('by quarter: 1/12 a month while both streams are available', async () => {
      const res = await report(coordinator, 'from=2025-01&to=2025-06&basis=potential&period=quarter').expect(
        200,
      );
      expect(res.body.plan).toEqual({ id: expect.any(String), createdAt: expect.any(String) });
      expect(res.body.rows).toEqual([
        row({ period: '2025-Q1', energySavedMWh: 900, co2AvoidedTonnes: 180, exchanges: 2, companies: 3 }),
        row({ period: '2025-Q2', energySavedMWh: 300, co2AvoidedTonnes: 60, exchanges: 1, companies: 2 }),
      ]);
      expect(res.body.totals).toEqual(
        row({ energySavedMWh: 1200, co2AvoidedTonnes: 240, exchanges: 2, companies: 3 }),
      );
    });

    it('by region and category', async () => {
      const res = await report(
        coordinator,
        'from=2025-01&to=2025-06&basis=potential&groupBy=region,category',
      ).expect(200);
      expect(res.body.rows).toEqual([
        row({
          region: 'BE-VAN',
          category: 'heat',
          energySavedMWh: 600,
          co2AvoidedTonnes: 120,
          exchanges: 1,
          companies: 2,
        }),
        row({
          region: 'BE-VOV',
          category: 'heat',
          energySavedMWh: 600,
          co2AvoidedTonnes: 120,
          exchanges: 1,
          companies: 2,
        }),
      ]);
    });
  });

  describe('formats', () => {
    it('csv is RFC 4180 with a header and parses back to the JSON rows', async () => {
      const query = 'from=2025-01&to=2025-06&groupBy=period,category,region&period=quarter';
      const json = await report(coordinator, query).expect(200);
      const csv = await report(coordinator, `${query}&format=csv`).expect(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers['content-disposition']).toContain('savings-realised-2025-01-2025-06.csv');
      const [header, ...records] = parseCsv(csv.text);
      expect(header).toEqual([
        'period',
        'category',
        'region',
        'energySavedMWh',
        'co2AvoidedTonnes',
        'exchanges',
        'companies',
        'suppressed',
        'partial',
      ]);
      const parsed = records.map((r) =>
        Object.fromEntries(
          header.map((h, i) => {
            const v = r[i];
            if (['energySavedMWh', 'co2AvoidedTonnes', 'exchanges', 'companies'].includes(h))
              return [h, v === '' ? null : Number(v)];
            if (h === 'suppressed' || h === 'partial') return [h, v === 'true'];
            return [h, v];
          }),
        ),
      );
      expect(parsed).toEqual(json.body.rows);
    });

    it('svg is well-formed XML with a title, axes and one bar per period (zero bars included)', async () => {
      const res = await report(coordinator, 'from=2025-01&to=2025-06&groupBy=category&format=svg').expect(
        200,
      );
      expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
      const svg = parseXml(svgText(res));
      expect(svg.name).toBe('svg');
      expect(svg.attributes.xmlns).toBe('http://www.w3.org/2000/svg');
      const bars = findAll(
        svg,
        (e) => e.name === 'rect' && (e.attributes.class ?? '').split(' ').includes('bar'),
      );
      expect(bars.map((b) => b.attributes['data-period'])).toEqual([
        '2025-01',
        '2025-02',
        '2025-03',
        '2025-04',
        '2025-05',
        '2025-06',
      ]);
      expect(bars.map((b) => Number(b.attributes['data-value']))).toEqual([70, 62, 102, 0, 30, 0]);
      // Taller bar, more CO2.
      const heights = bars.map((b) => Number(b.attributes.height));
      expect(heights[2]).toBeGreaterThan(heights[0]);
      expect(heights[3]).toBe(0);
      const texts = findAll(svg, (e) => e.name === 'text' || e.name === 'title').map((e) => e.text);
      expect(texts.some((t) => t.includes('CO2 avoided per month'))).toBe(true);
      expect(texts.some((t) => t.includes('t CO2'))).toBe(true);
      const quarterly = await report(coordinator, 'from=2025-01&to=2025-12&period=quarter&format=svg').expect(
        200,
      );
      expect(
        findAll(parseXml(svgText(quarterly)), (e) => e.name === 'rect' && e.attributes.class === 'bar'),
      ).toHaveLength(4);
    });
  });

  describe('validation and access', () => {
    it.each([
      ['to=2025-06', ['from']],
      ['from=2025-13&to=2025-06', ['from']],
      ['from=2025/01&to=2025-06', ['from']],
      ['from=2025-06&to=2025-01', ['to']],
      ['from=2015-01&to=2025-01', ['to']],
      ['from=2025-01&to=2025-06&groupBy=period,colour', ['groupBy']],
      ['from=2025-01&to=2025-06&groupBy=period,period', ['groupBy']],
      ['from=2025-01&to=2025-06&basis=estimated', ['basis']],
      ['from=2025-01&to=2025-06&period=week', ['period']],
      ['from=2025-01&to=2025-06&attribution=both', ['attribution']],
      ['from=2025-01&to=2025-06&format=xlsx', ['format']],
      ['from=2025-01&to=2025-06&region=XX-YY', ['region']],
      ['from=2025-01&to=2025-06&colour=red', ['colour']],
    ])('%s → 400 naming %j', async (query, fields) => {
      const res = await report(coordinator, query).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.body.errors)).toEqual(fields);
    });

    it('accepts exactly ten years', async () => {
      await report(coordinator, 'from=2016-01&to=2025-12&period=year').expect(200);
      await report(coordinator, 'from=2016-01&to=2026-01&period=year').expect(400);
    });

    it('is for province users, coordinators and admins only', async () => {
      await report(officer, 'from=2025-01&to=2025-06').expect(403);
      await request(api.url).get(`${API}/reports/savings?from=2025-01&to=2025-06`).expect(401);
      const viaKey = await request(api.url)
        .get(`${API}/reports/savings?from=2025-01&to=2025-06`)
        .set(apiKeyHeader(provinceKey))
        .expect(200);
      expect(viaKey.body.region).toBe('BE-VOV');
      await request(api.url)
        .get(`${API}/reports/savings?from=2025-01&to=2025-06&region=NL-ZE`)
        .set(apiKeyHeader(provinceKey))
        .expect(403);
    });
  });

  describe('summary tables', () => {
    it('read by index only: the report plans use report_cells indexes', async () => {
      const runner = db.createQueryRunner();
      await runner.connect();
      await runner.query('SET enable_seqscan = off');
      for (const where of [
        `basis = 'realised' AND supplier_region = '*' AND receiver_region = '*' AND category = '*'`,
        `basis = 'realised' AND supplier_region = '*' AND receiver_region <> '*' AND category <> '*'`,
        `basis = 'realised' AND receiver_region = '*' AND supplier_region <> '*' AND category = '*'`,
        `basis = 'realised' AND receiver_region = 'BE-VOV' AND supplier_region <> '*' AND category <> '*'`,
        `basis = 'realised' AND supplier_region = 'BE-VOV' AND receiver_region <> '*' AND category <> '*'`,
      ]) {
        const plan = (await runner.query(
          `EXPLAIN SELECT month, sum(n) FROM report_cells
           WHERE ${where} AND month BETWEEN '2025-01-01' AND '2025-06-01' GROUP BY month`,
        )) as { 'QUERY PLAN': string }[];
        expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toMatch(/Index (Only )?Scan using report_cells_/);
      }
      await runner.query('RESET enable_seqscan');
      await runner.release();
    });

    it('the incrementally maintained tables equal a rebuild from raw rows; drift is found and repaired', async () => {
      const summaries = api.app.get(ReportSummaryService);
      const clean = await summaries.check({ repair: false });
      expect(clean.status).toBe('ok');
      expect(Object.values(clean.drift).every((d) => d.unexpected === 0 && d.missing === 0)).toBe(true);

      await db.query(
        `UPDATE report_cells SET n = n + 1
         WHERE ctid = (SELECT ctid FROM report_cells WHERE basis = 'realised' AND kind = 'company' LIMIT 1)`,
      );
      // x4 is active since May 2025: its approved months run through the current month (Brussels), so
      // how many there are depends on the day the test runs (19 in November 2026).
      const deleted = (await db.query(
        `DELETE FROM report_match_months WHERE match_id = $1 AND basis = 'approved' RETURNING month`,
        [ids.x4],
      )) as [unknown[], number];
      const deletedMonths = deleted[1];
      expect(deletedMonths).toBeGreaterThanOrEqual(8 + 11);
      const drifted = await summaries.check();
      expect(drifted.status).toBe('drift');
      expect(drifted.repaired).toBe(true);
      expect(drifted.drift.report_cells).toEqual({ unexpected: 1, missing: 1 });
      expect(drifted.drift.report_match_months).toEqual({ unexpected: 0, missing: deletedMonths });
      const [recorded] = (await db.query(
        `SELECT status, repaired, drift FROM report_summary_checks WHERE id = $1`,
        [drifted.checkId],
      )) as { status: string; repaired: boolean; drift: { tables: unknown } }[];
      expect(recorded).toMatchObject({ status: 'drift', repaired: true });
      expect((await summaries.check({ repair: false })).status).toBe('ok');
    });

    it('checks on request through the worker (POST /reports/summary-checks)', async () => {
      await obliterateQueues(api.app.get(JobQueue));
      await request(api.url).post(`${API}/reports/summary-checks`).set(bearer(officer)).expect(403);
      const queued = await request(api.url)
        .post(`${API}/reports/summary-checks`)
        .set(bearer(coordinator))
        .expect(202);
      expect(queued.body).toMatchObject({ id: expect.any(String), trigger: 'request', status: 'queued' });
      let worker: INestApplicationContext | undefined;
      try {
        worker = await startWorker(config);
        const done = await pollUntil(
          async () => {
            const res = await request(api.url)
              .get(`${API}/reports/summary-checks/${queued.body.id}`)
              .set(bearer(admin))
              .expect(200);
            return ['ok', 'drift', 'failed'].includes(res.body.status) ? res.body : null;
          },
          { timeoutMs: 30_000, what: 'the requested summary check' },
        );
        expect(done).toMatchObject({ status: 'ok', repaired: false, error: null });
      } finally {
        await worker?.close();
      }
      await request(api.url).get(`${API}/reports/summary-checks/999999999`).set(bearer(admin)).expect(404);
      await request(api.url).get(`${API}/reports/summary-checks/nope`).set(bearer(admin)).expect(404);
    });

    it('follows workflow transitions and verifications made through the API', async () => {
      // Verifying X1's April delivery moves it from the unverified section into the realised rows.
      await request(api.url)
        .post(`${API}/deliveries/${deliveryIds.x1[2]}/verify`)
        .set(bearer(coordinator))
        .expect(200);
      const res = await report(coordinator, 'from=2025-04&to=2025-04').expect(200);
      expect(res.body.rows).toEqual([
        row({ period: '2025-04', energySavedMWh: 90, co2AvoidedTonnes: 18, exchanges: 1, companies: 2 }),
      ]);
      expect(res.body.unverified.rows).toEqual([]);

      // A match approved through the workflow enters the approved basis from today; closing it the
      // same day leaves it with no day run.
      const [s1, s2] = await Promise.all([
        siteIn(db, (await createCompanies(db, [{}]))[0].id, 'BE-VOV'),
        createSite(db, { companyId: (await createCompanies(db, [{}]))[0].id, ...SITE_LOCATIONS.zelzate }),
      ]);
      const fresh = await insertScoredHeatExchange(db, s1, s2, 'mutual_interest');
      const month = new Intl.DateTimeFormat('en-CA', {
        timeZone: 'Europe/Brussels',
        year: 'numeric',
        month: '2-digit',
      })
        .format(new Date())
        .slice(0, 7);
      const act = async (action: string) => {
        const [m] = (await db.query(`SELECT version FROM matches WHERE id = $1`, [fresh.matchId])) as {
          version: number;
        }[];
        await request(api.url)
          .post(`${API}/matches/${fresh.matchId}/${action}`)
          .set(bearer(coordinator))
          .send({ version: m.version })
          .expect(200);
      };
      await act('approve');
      const approved = await report(coordinator, `from=${month}&to=${month}&basis=approved&groupBy=`).expect(
        200,
      );
      const rows = (await db.query(
        `SELECT count(*)::int AS n FROM report_match_months WHERE match_id = $1 AND basis = 'approved'`,
        [fresh.matchId],
      )) as { n: number }[];
      expect(rows[0].n).toBe(1);
      expect(approved.body.rows[0].exchanges).toBeGreaterThanOrEqual(1);
      await act('activate');
      await act('close');
      const after = (await db.query(
        `SELECT count(*)::int AS n FROM report_match_months WHERE match_id = $1 AND basis = 'approved'`,
        [fresh.matchId],
      )) as { n: number }[];
      expect(after[0].n).toBe(0);
      expect((await api.app.get(ReportSummaryService).check({ repair: false })).status).toBe('ok');
    });

    it("moves a site's exchanges to its corrected region (site change hook)", async () => {
      const patch = (region: string) =>
        request(api.url).patch(`${API}/sites/${siteB.id}`).set(bearer(coordinator)).send({ region });
      await patch('NL-ZE').expect(200);
      const moved = await report(coordinator, 'from=2025-01&to=2025-06&groupBy=region').expect(200);
      // B (receiver of X1 and X2) now lies in NL-ZE, with C (receiver of X4); X1's April is verified by now.
      expect(moved.body.rows).toEqual([
        row({ region: 'BE-VAN', energySavedMWh: 410, co2AvoidedTonnes: 82, exchanges: 1, companies: 2 }),
        row({ region: 'NL-ZE', energySavedMWh: 314, co2AvoidedTonnes: 200, exchanges: 3, companies: 4 }),
      ]);
      expect((await api.app.get(ReportSummaryService).check({ repair: false })).status).toBe('ok');
      await patch('BE-VOV').expect(200);
      const back = await report(coordinator, 'from=2025-01&to=2025-06&groupBy=region').expect(200);
      expect(back.body.rows.map((r: Row) => r.region)).toEqual(['BE-VAN', 'BE-VOV', 'NL-ZE']);
    });
  });
});
