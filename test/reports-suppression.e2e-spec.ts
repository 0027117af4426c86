/**
 * Issue #8: small-cell suppression for province users, against the real API and Postgres (a database
 * of this suite's own). Hand-computed data, months of 2025, all in or around BE-VOV:
 *
 *   exchange  category  supplier → receiver        verified deliveries (MWh, t CO2)
 *   H1        heat      P (BE-VOV) → Q (BE-VOV)    Jan 100, 10; Feb 100, 10; Mar 100, 10 (+ Apr 100, 10 unverified)
 *   H2        heat      S (BE-VOV) → T (BE-VOV)    Jan 50, 5;   Feb 50, 5
 *   C1        co2       V (NL-ZE)  → U (BE-VOV)    Jan 7, 70
 *   C2        co2       P (BE-VOV) → U (BE-VOV)    Jan 3, 33
 *   C3        co2       S (BE-VOV) → T (BE-VOV)    Jan 4, 44
 *
 * Atomic cells (month × category × supplier region × receiver region) and their companies:
 *   Jan heat VOV→VOV {P,Q,S,T} publishable 150, 15    Feb heat VOV→VOV {P,Q,S,T} publishable 150, 15
 *   Mar heat VOV→VOV {P,Q}     withheld     100, 10    Jan co2 NL-ZE→VOV {V,U}    withheld       7, 70
 *   Jan co2 VOV→VOV  {P,U,S,T} publishable    7, 77
 */
import request from 'supertest';
import { DataSource } from 'typeorm';
import { API, apiKeyHeader, bearer, createApiKey, createCompanies, createUsers, tokenFor } from './factories';
import { insertDeliveries, insertExchange, refreshSummaries, siteIn } from './reports-fixtures';
import { findAll, freshReportsDatabase, parseCsv, parseXml } from './reports-support';
import { ApiHarness, startApi } from './support/api-harness';

type Row = Record<string, unknown>;
const row = (r: Row) => ({ suppressed: false, partial: false, ...r });
const SUPPRESSED = {
  energySavedMWh: null,
  co2AvoidedTonnes: null,
  exchanges: null,
  companies: null,
  suppressed: true,
  partial: false,
};
const sum = (rows: Row[], key: string) => rows.reduce((s, r) => s + ((r[key] as number | null) ?? 0), 0);

describe('savings reports: suppression for province users', () => {
  let api: ApiHarness;
  let db: DataSource;
  let coordinator: string;
  let province: string;
  let provinceKey: string;

  const report = (token: string, query: string) =>
    request(api.url).get(`${API}/reports/savings?${query}`).set(bearer(token));

  beforeAll(async () => {
    const config = await freshReportsDatabase('reports_suppression');
    api = await startApi({ DATABASE_URL: config.DATABASE_URL, QUEUE_PREFIX: config.QUEUE_PREFIX });
    db = api.db;
    const [p, q, s, t, u, v] = await createCompanies(db, [
      { name: 'P' },
      { name: 'Q' },
      { name: 'S' },
      { name: 'T' },
      { name: 'U' },
      { name: 'V', country: 'NL' },
    ]);
    const site = {
      P: await siteIn(db, p.id, 'BE-VOV'),
      Q: await siteIn(db, q.id, 'BE-VOV'),
      S: await siteIn(db, s.id, 'BE-VOV'),
      T: await siteIn(db, t.id, 'BE-VOV'),
      U: await siteIn(db, u.id, 'BE-VOV'),
      V: await siteIn(db, v.id, 'NL-ZE'),
    };
    const [coord, prov] = await createUsers(db, [
      { role: 'coordinator' },
      { role: 'province', region: 'BE-VOV' },
    ]);
    coordinator = tokenFor(api, coord);
    province = tokenFor(api, prov);
    provinceKey = (await createApiKey(db, prov.id)).key;

    const h1 = await insertExchange(db, {
      category: 'heat',
      supplierSite: site.P,
      receiverSite: site.Q,
      status: 'closed',
      events: [
        { to: 'approved', at: '2024-12-31T23:00:00Z' },
        { to: 'closed', at: '2025-03-31T22:00:00Z' },
      ],
    });
    const h2 = await insertExchange(db, { category: 'heat', supplierSite: site.S, receiverSite: site.T });
    const c1 = await insertExchange(db, { category: 'co2', supplierSite: site.V, receiverSite: site.U });
    const c2 = await insertExchange(db, { category: 'co2', supplierSite: site.P, receiverSite: site.U });
    const c3 = await insertExchange(db, { category: 'co2', supplierSite: site.S, receiverSite: site.T });
    await insertDeliveries(db, h1.matchId, [
      { period: '2025-01', energy: 100, co2: 10 },
      { period: '2025-02', energy: 100, co2: 10 },
      { period: '2025-03', energy: 100, co2: 10 },
      { period: '2025-04', energy: 100, co2: 10, verified: false },
    ]);
    await insertDeliveries(db, h2.matchId, [
      { period: '2025-01', energy: 50, co2: 5 },
      { period: '2025-02', energy: 50, co2: 5 },
    ]);
    await insertDeliveries(db, c1.matchId, [{ period: '2025-01', energy: 7, co2: 70 }]);
    await insertDeliveries(db, c2.matchId, [{ period: '2025-01', energy: 3, co2: 33 }]);
    await insertDeliveries(db, c3.matchId, [{ period: '2025-01', energy: 4, co2: 44 }]);
    await refreshSummaries(api, [h1.matchId, h2.matchId, c1.matchId, c2.matchId, c3.matchId]);
  });
  afterAll(async () => api?.close());

  const Q1 = 'from=2025-01&to=2025-03';

  it('coordinators see every number', async () => {
    const res = await report(coordinator, `${Q1}&groupBy=period,category&region=BE-VOV`).expect(200);
    expect(res.body.suppression.applied).toBe(false);
    expect(res.body.rows).toEqual([
      row({
        period: '2025-01',
        category: 'co2',
        energySavedMWh: 14,
        co2AvoidedTonnes: 147,
        exchanges: 3,
        companies: 5,
      }),
      row({
        period: '2025-01',
        category: 'heat',
        energySavedMWh: 150,
        co2AvoidedTonnes: 15,
        exchanges: 2,
        companies: 4,
      }),
      row({
        period: '2025-02',
        category: 'heat',
        energySavedMWh: 150,
        co2AvoidedTonnes: 15,
        exchanges: 2,
        companies: 4,
      }),
      row({
        period: '2025-03',
        category: 'heat',
        energySavedMWh: 100,
        co2AvoidedTonnes: 10,
        exchanges: 1,
        companies: 2,
      }),
    ]);
    expect(res.body.totals).toEqual(
      row({ energySavedMWh: 414, co2AvoidedTonnes: 187, exchanges: 5, companies: 6 }),
    );
  });

  it('province users get their region, with cells resting on fewer than 3 companies withheld', async () => {
    const res = await report(province, `${Q1}&groupBy=period,category`).expect(200);
    expect(res.body.region).toBe('BE-VOV');
    expect(res.body.suppression).toMatchObject({ applied: true, minCompanies: 3 });
    expect(res.body.rows).toEqual([
      // C1 (V → U, two companies) is withheld; C2 and C3 are published.
      row({
        period: '2025-01',
        category: 'co2',
        energySavedMWh: 7,
        co2AvoidedTonnes: 77,
        exchanges: 3,
        companies: 5,
        partial: true,
      }),
      row({
        period: '2025-01',
        category: 'heat',
        energySavedMWh: 150,
        co2AvoidedTonnes: 15,
        exchanges: 2,
        companies: 4,
      }),
      row({
        period: '2025-02',
        category: 'heat',
        energySavedMWh: 150,
        co2AvoidedTonnes: 15,
        exchanges: 2,
        companies: 4,
      }),
      { period: '2025-03', category: 'heat', ...SUPPRESSED },
    ]);
    expect(res.body.totals).toEqual(
      row({ energySavedMWh: 307, co2AvoidedTonnes: 107, exchanges: 5, companies: 6, partial: true }),
    );
  });

  it('resists differencing: totals minus the visible rows reveal nothing', async () => {
    const res = await report(province, `${Q1}&groupBy=period,category`).expect(200);
    const visible = res.body.rows.filter((r: Row) => !r.suppressed);
    // The withheld March heat cell is 100 MWh / 10 t and C1 is 7 MWh / 70 t; the difference is 0.
    expect(res.body.totals.energySavedMWh - sum(visible, 'energySavedMWh')).toBeCloseTo(0, 9);
    expect(res.body.totals.co2AvoidedTonnes - sum(visible, 'co2AvoidedTonnes')).toBeCloseTo(0, 9);
  });

  it('resists differencing across reports: ranges, period sizes, groupings and attributions', async () => {
    const total = async (query: string) =>
      (await report(province, `${query}&groupBy=`).expect(200)).body.totals;
    const janToMar = await total(Q1);
    const janToFeb = await total('from=2025-01&to=2025-02');
    // March's heat (100 MWh, 10 t) would be the difference if the totals included withheld cells.
    expect(janToMar.energySavedMWh - janToFeb.energySavedMWh).toBeCloseTo(0, 9);
    expect(janToMar.co2AvoidedTonnes - janToFeb.co2AvoidedTonnes).toBeCloseTo(0, 9);
    const marchOnly = await report(province, 'from=2025-03&to=2025-03&groupBy=category').expect(200);
    expect(marchOnly.body.rows).toEqual([{ category: 'heat', ...SUPPRESSED }]);
    expect(marchOnly.body.totals).toEqual({ ...SUPPRESSED });

    const quarter = await report(province, `${Q1}&period=quarter`).expect(200);
    const months = await report(province, Q1).expect(200);
    expect(quarter.body.rows).toEqual([
      row({
        period: '2025-Q1',
        energySavedMWh: 307,
        co2AvoidedTonnes: 107,
        exchanges: 5,
        companies: 6,
        partial: true,
      }),
    ]);
    expect(months.body.rows).toEqual([
      row({
        period: '2025-01',
        energySavedMWh: 157,
        co2AvoidedTonnes: 92,
        exchanges: 5,
        companies: 6,
        partial: true,
      }),
      row({ period: '2025-02', energySavedMWh: 150, co2AvoidedTonnes: 15, exchanges: 2, companies: 4 }),
      { period: '2025-03', ...SUPPRESSED },
    ]);
    expect(sum(months.body.rows, 'co2AvoidedTonnes')).toBeCloseTo(quarter.body.rows[0].co2AvoidedTonnes, 9);

    // Receiver minus supplier attribution would be C1 (an exchange into the region) if it were counted.
    const bySupplier = await report(province, `${Q1}&attribution=supplier`).expect(200);
    expect(bySupplier.body.rows).toEqual([
      row({ period: '2025-01', energySavedMWh: 157, co2AvoidedTonnes: 92, exchanges: 4, companies: 5 }),
      row({ period: '2025-02', energySavedMWh: 150, co2AvoidedTonnes: 15, exchanges: 2, companies: 4 }),
      { period: '2025-03', ...SUPPRESSED },
    ]);
    expect(months.body.rows[0].co2AvoidedTonnes - bySupplier.body.rows[0].co2AvoidedTonnes).toBe(0);
  });

  it('suppresses the unverified section and the other bases alike', async () => {
    const res = await report(province, 'from=2025-01&to=2025-04').expect(200);
    expect(res.body.unverified).toEqual({
      rows: [{ period: '2025-04', ...SUPPRESSED }],
      totals: { ...SUPPRESSED },
    });
    // H1 alone ran on the approved basis: two companies.
    const approved = await report(province, `${Q1}&basis=approved&period=quarter`).expect(200);
    expect(approved.body.rows).toEqual([{ period: '2025-Q1', ...SUPPRESSED }]);
    const seen = await report(coordinator, `${Q1}&basis=approved&period=quarter`).expect(200);
    expect(seen.body.rows).toEqual([
      row({ period: '2025-Q1', energySavedMWh: 300, co2AvoidedTonnes: 60, exchanges: 1, companies: 2 }),
    ]);
  });

  it('holds for the BI tool (X-Api-Key), and only for the own region', async () => {
    const viaKey = await request(api.url)
      .get(`${API}/reports/savings?${Q1}&groupBy=period,category`)
      .set(apiKeyHeader(provinceKey))
      .expect(200);
    const viaToken = await report(province, `${Q1}&groupBy=period,category`).expect(200);
    expect(viaKey.body).toEqual(viaToken.body);
    const own = await report(province, `${Q1}&region=BE-VOV&groupBy=region`).expect(200);
    expect(own.body.rows.map((r: Row) => r.region)).toEqual(['BE-VOV']);
    const other = await report(province, `${Q1}&region=NL-ZE`).expect(403);
    expect(other.body.code).toBe('FORBIDDEN');
  });

  it('keeps suppressed cells empty in csv and grey in the svg', async () => {
    const json = await report(province, `${Q1}&groupBy=period,category`).expect(200);
    const csv = await report(province, `${Q1}&groupBy=period,category&format=csv`).expect(200);
    const [header, ...records] = parseCsv(csv.text);
    const parsed = records.map((r) =>
      Object.fromEntries(
        header.map((h, i) => {
          if (['energySavedMWh', 'co2AvoidedTonnes', 'exchanges', 'companies'].includes(h))
            return [h, r[i] === '' ? null : Number(r[i])];
          if (h === 'suppressed' || h === 'partial') return [h, r[i] === 'true'];
          return [h, r[i]];
        }),
      ),
    );
    expect(parsed).toEqual(json.body.rows);
    expect(csv.text).not.toMatch(/,100,|,10,/);

    const svg = await report(province, `${Q1}&format=svg`).expect(200);
    const text = Buffer.isBuffer(svg.body) ? svg.body.toString('utf8') : svg.text;
    const bars = findAll(
      parseXml(text),
      (e) => e.name === 'rect' && (e.attributes.class ?? '').startsWith('bar'),
    );
    expect(
      bars.map((b) => [b.attributes['data-period'], b.attributes.class, b.attributes['data-value']]),
    ).toEqual([
      ['2025-01', 'bar', '92'],
      ['2025-02', 'bar', '15'],
      ['2025-03', 'bar suppressed', ''],
    ]);
  });
});
