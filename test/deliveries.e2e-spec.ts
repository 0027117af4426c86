/**
 * Issue #8: realised deliveries against the real API, Postgres and Redis. Recording (units, the
 * plausible monthly maximum, months), one per match and month, corrections that keep the history,
 * verification by coordinators only, company scoping, and the summary rows each write maintains.
 */
import { currentRegionMonth, monthFromIndex, monthIndex, plausibleMonthlyMax } from '@symbiose/domain';
import request from 'supertest';
import {
  API,
  apiKeyHeader,
  bearer,
  createApiKey,
  createCompanies,
  createSites,
  createUsers,
  SITE_LOCATIONS,
  TestUser,
  tokenFor,
} from './factories';
import { insertEvents, insertScoredHeatExchange } from './reports-fixtures';
import { ApiHarness, startApi } from './support/api-harness';

const lastMonth = monthFromIndex(monthIndex(currentRegionMonth()) - 1);
const monthsAgo = (n: number) => monthFromIndex(monthIndex(currentRegionMonth()) - n);

describe('deliveries', () => {
  let api: ApiHarness;
  let officerA: TestUser;
  let officerB: TestUser;
  let officerC: TestUser;
  let tokens: Record<'a' | 'b' | 'c' | 'coordinator' | 'admin' | 'province', string>;
  let matchId: string;
  let exchangedPerYear: number;
  let sites: Awaited<ReturnType<typeof createSites>>;

  const post = (path: string, token: string, body: object) =>
    request(api.url).post(`${API}${path}`).set(bearer(token)).send(body);
  const get = (path: string, token: string) => request(api.url).get(`${API}${path}`).set(bearer(token));

  beforeAll(async () => {
    api = await startApi();
    const [a, b, c] = await createCompanies(api.db, [{}, {}, {}]);
    sites = await createSites(api.db, [
      { companyId: a.id, ...SITE_LOCATIONS.gent },
      { companyId: b.id, ...SITE_LOCATIONS.zelzate },
      { companyId: c.id, ...SITE_LOCATIONS.gent },
    ]);
    let coordinator: TestUser;
    let admin: TestUser;
    let province: TestUser;
    [officerA, officerB, officerC, coordinator, admin, province] = await createUsers(api.db, [
      { role: 'officer', companyId: a.id },
      { role: 'officer', companyId: b.id },
      { role: 'officer', companyId: c.id },
      { role: 'coordinator' },
      { role: 'admin' },
      { role: 'province', region: 'BE-VOV' },
    ]);
    tokens = {
      a: tokenFor(api, officerA),
      b: tokenFor(api, officerB),
      c: tokenFor(api, officerC),
      coordinator: tokenFor(api, coordinator),
      admin: tokenFor(api, admin),
      province: tokenFor(api, province),
    };
    ({ matchId, exchangedPerYear } = await insertScoredHeatExchange(api.db, sites[0], sites[1]));
  });
  afterAll(async () => api?.close());

  it('records a month on an active exchange: canonical quantity, realised savings and their explanation', async () => {
    const res = await post(`/matches/${matchId}/deliveries`, tokens.a, {
      period: monthsAgo(3),
      quantity: { amount: 3.6, unit: 'TJ' },
      note: 'meter reading',
    }).expect(201);
    expect(res.body).toMatchObject({
      matchId,
      period: monthsAgo(3),
      quantity: { amount: 1000, unit: 'MWh' },
      enteredQuantity: { amount: 3.6, unit: 'TJ' },
      verified: false,
      verifiedAt: null,
      supersededBy: null,
      corrects: null,
      current: true,
      factorSetVersion: '2026.1',
      recordedByRole: 'officer',
      note: 'meter reading',
    });
    expect(res.body.energySavedMWh).toBeGreaterThan(0);
    expect(res.body.co2AvoidedTonnes).toBeGreaterThan(0);
    expect(res.body.explanation.factorSetVersion).toBe('2026.1');
    expect(res.body.explanation.steps.length).toBeGreaterThan(3);
    expect(res.body.explanation.factors.length).toBeGreaterThan(0);
    // Units per category: 1000 MWh entered as 3600 GJ gives the same numbers.
    const again = await post(`/matches/${matchId}/deliveries`, tokens.b, {
      period: monthsAgo(4),
      quantity: { amount: 3600, unit: 'GJ' },
    }).expect(201);
    expect(again.body.quantity).toEqual({ amount: 1000, unit: 'MWh' });
    expect(again.body.energySavedMWh).toBeCloseTo(res.body.energySavedMWh, 9);
    expect(again.body.co2AvoidedTonnes).toBeCloseTo(res.body.co2AvoidedTonnes, 9);
  });

  it('allows one delivery per match and month: a second one is a 409 that points to corrections', async () => {
    const first = await post(`/matches/${matchId}/deliveries`, tokens.a, {
      period: monthsAgo(5),
      quantity: { amount: 900, unit: 'MWh' },
    }).expect(201);
    const second = await post(`/matches/${matchId}/deliveries`, tokens.b, {
      period: monthsAgo(5),
      quantity: { amount: 950, unit: 'MWh' },
    }).expect(409);
    expect(second.body.code).toBe('CONFLICT');
    expect(second.body.message).toContain(`/deliveries/${first.body.id}/corrections`);
    const [count] = (await api.db.query(
      `SELECT count(*)::int AS n FROM deliveries WHERE match_id = $1 AND period = $2::date`,
      [matchId, `${monthsAgo(5)}-01`],
    )) as { n: number }[];
    expect(count.n).toBe(1);
  });

  it('corrects a delivery by a new one; the superseded row stays in the history', async () => {
    const original = await post(`/matches/${matchId}/deliveries`, tokens.a, {
      period: monthsAgo(6),
      quantity: { amount: 800, unit: 'MWh' },
    }).expect(201);
    await post(`/deliveries/${original.body.id}/verify`, tokens.coordinator, {}).expect(200);
    const corrected = await post(`/deliveries/${original.body.id}/corrections`, tokens.b, {
      quantity: { amount: 0.82, unit: 'GWh' },
      note: 'meter recalibrated',
    }).expect(201);
    expect(corrected.body).toMatchObject({
      period: monthsAgo(6),
      quantity: { amount: 820, unit: 'MWh' },
      corrects: original.body.id,
      supersededBy: null,
      current: true,
      // A correction needs verifying again.
      verified: false,
    });
    const old = await get(`/deliveries/${original.body.id}`, tokens.a).expect(200);
    expect(old.body).toMatchObject({ current: false, supersededBy: corrected.body.id, verified: true });
    expect(old.body.supersededAt).toEqual(expect.any(String));

    const list = await get(`/matches/${matchId}/deliveries?pageSize=100`, tokens.coordinator).expect(200);
    const month = list.body.items.filter((d: { period: string }) => d.period === monthsAgo(6));
    expect(month.map((d: { id: string }) => d.id)).toEqual([corrected.body.id, original.body.id]);
    expect(list.body.total).toBe(list.body.items.length);

    // A superseded delivery can be neither corrected nor verified again; the current one can.
    await post(`/deliveries/${original.body.id}/corrections`, tokens.a, {
      quantity: { amount: 1, unit: 'MWh' },
    }).expect(409);
    await post(`/deliveries/${original.body.id}/verify`, tokens.coordinator, {}).expect(409);
    const second = await post(`/deliveries/${corrected.body.id}/corrections`, tokens.a, {
      quantity: { amount: 0, unit: 'MWh' },
    }).expect(201);
    expect(second.body).toMatchObject({
      corrects: corrected.body.id,
      energySavedMWh: 0,
      co2AvoidedTonnes: 0,
    });

    // Only the current delivery counts in the summaries: one unverified month of 0 MWh.
    const rows = (await api.db.query(
      `SELECT basis, energy_mwh::float8 AS energy FROM report_match_months WHERE match_id = $1 AND month = $2::date`,
      [matchId, `${monthsAgo(6)}-01`],
    )) as { basis: string; energy: number }[];
    expect(rows).toEqual([{ basis: 'unverified', energy: 0 }]);
  });

  it(`rejects a month's quantity beyond 1.5 × the agreed annual quantity / 12 with a 400 naming quantity.amount`, async () => {
    const max = plausibleMonthlyMax(exchangedPerYear);
    const res = await post(`/matches/${matchId}/deliveries`, tokens.a, {
      period: monthsAgo(7),
      quantity: { amount: Math.ceil(max) + 1, unit: 'MWh' },
    }).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.body.errors)).toEqual(['quantity.amount']);
    expect(res.body.errors['quantity.amount']).toMatch(/plausibly deliver in a month/);
    await post(`/matches/${matchId}/deliveries`, tokens.a, {
      period: monthsAgo(7),
      quantity: { amount: Math.floor(max), unit: 'MWh' },
    }).expect(201);
    // The same bound holds for corrections.
    const [current] = (await api.db.query(
      `SELECT id FROM deliveries WHERE match_id = $1 AND period = $2::date AND superseded_by IS NULL`,
      [matchId, `${monthsAgo(7)}-01`],
    )) as { id: string }[];
    const bad = await post(`/deliveries/${current.id}/corrections`, tokens.a, {
      quantity: { amount: max * 1000, unit: 'MWh' },
    }).expect(400);
    expect(Object.keys(bad.body.errors)).toEqual(['quantity.amount']);
  });

  it('rejects future months, bad months and units of another category with field paths', async () => {
    const next = monthFromIndex(monthIndex(currentRegionMonth()) + 1);
    const future = await post(`/matches/${matchId}/deliveries`, tokens.a, {
      period: next,
      quantity: { amount: 10, unit: 'MWh' },
    }).expect(400);
    expect(future.body.errors).toEqual({ period: expect.stringContaining('future') });
    const cases: [object, string[]][] = [
      [{ period: '2026-13', quantity: { amount: 1, unit: 'MWh' } }, ['period']],
      [{ period: '26-01', quantity: { amount: 1, unit: 'MWh' } }, ['period']],
      [{ period: lastMonth, quantity: { amount: -1, unit: 'MWh' } }, ['quantity.amount']],
      [{ period: lastMonth, quantity: { amount: 0, unit: 'MWh' } }, ['quantity.amount']],
      [{ period: lastMonth, quantity: { amount: 1, unit: 'MWh/yr' } }, ['quantity.unit']],
      [{ period: lastMonth, quantity: { amount: 1, unit: 'furlongs' } }, ['quantity.unit']],
      [{ period: lastMonth }, ['quantity']],
      [{ period: lastMonth, quantity: { amount: 1, unit: 'MWh' }, extra: 1 }, ['extra']],
    ];
    for (const [body, fields] of cases) {
      const res = await post(`/matches/${matchId}/deliveries`, tokens.a, body).expect(400);
      expect(Object.keys(res.body.errors).sort()).toEqual(fields);
    }
    // t is a unit, but not a heat unit.
    const wrong = await post(`/matches/${matchId}/deliveries`, tokens.a, {
      period: lastMonth,
      quantity: { amount: 1, unit: 't' },
    }).expect(400);
    expect(wrong.body.errors).toEqual({ 'quantity.unit': expect.stringContaining('MWh, GWh, GJ, TJ') });
  });

  it('rejects months before the exchange was activated', async () => {
    const other = await insertScoredHeatExchange(api.db, sites[0], sites[1]);
    const activated = `${monthsAgo(2)}-10T12:00:00Z`;
    await insertEvents(api.db, other.matchId, [{ to: 'active', at: activated }]);
    const res = await post(`/matches/${other.matchId}/deliveries`, tokens.a, {
      period: monthsAgo(3),
      quantity: { amount: 10, unit: 'MWh' },
    }).expect(400);
    expect(res.body.errors.period).toContain('before the exchange was activated');
    await post(`/matches/${other.matchId}/deliveries`, tokens.a, {
      period: monthsAgo(2),
      quantity: { amount: 10, unit: 'MWh' },
    }).expect(201);
  });

  it('records only on an active exchange (409 otherwise)', async () => {
    const approved = await insertScoredHeatExchange(api.db, sites[0], sites[1], 'approved');
    const res = await post(`/matches/${approved.matchId}/deliveries`, tokens.a, {
      period: lastMonth,
      quantity: { amount: 10, unit: 'MWh' },
    }).expect(409);
    expect(res.body.code).toBe('ILLEGAL_TRANSITION');
  });

  it('is verified by coordinators and admins only; verifying again changes nothing', async () => {
    const d = await post(`/matches/${matchId}/deliveries`, tokens.a, {
      period: monthsAgo(8),
      quantity: { amount: 500, unit: 'MWh' },
    }).expect(201);
    await post(`/deliveries/${d.body.id}/verify`, tokens.a, {}).expect(403);
    await post(`/deliveries/${d.body.id}/verify`, tokens.b, {}).expect(403);
    await post(`/deliveries/${d.body.id}/verify`, tokens.province, {}).expect(403);
    const verified = await post(`/deliveries/${d.body.id}/verify`, tokens.coordinator, {}).expect(200);
    expect(verified.body).toMatchObject({ id: d.body.id, verified: true });
    const again = await post(`/deliveries/${d.body.id}/verify`, tokens.admin, {}).expect(200);
    expect(again.body.verifiedAt).toBe(verified.body.verifiedAt);
    // The month moved from the unverified to the realised basis of the summaries.
    const rows = (await api.db.query(
      `SELECT basis, energy_mwh::float8 AS energy FROM report_match_months WHERE match_id = $1 AND month = $2::date`,
      [matchId, `${monthsAgo(8)}-01`],
    )) as { basis: string; energy: number }[];
    expect(rows).toEqual([{ basis: 'realised', energy: expect.closeTo(verified.body.energySavedMWh, 6) }]);
  });

  it('hides a match and its deliveries from officers of other companies (404) and province users (403)', async () => {
    const d = await post(`/matches/${matchId}/deliveries`, tokens.coordinator, {
      period: monthsAgo(9),
      quantity: { amount: 500, unit: 'MWh' },
    }).expect(201);
    expect(d.body.recordedByRole).toBe('coordinator');
    await get(`/matches/${matchId}/deliveries`, tokens.c).expect(404);
    await post(`/matches/${matchId}/deliveries`, tokens.c, {
      period: monthsAgo(10),
      quantity: { amount: 5, unit: 'MWh' },
    }).expect(404);
    await get(`/deliveries/${d.body.id}`, tokens.c).expect(404);
    await post(`/deliveries/${d.body.id}/corrections`, tokens.c, {
      quantity: { amount: 5, unit: 'MWh' },
    }).expect(404);
    await get(`/matches/${matchId}/deliveries`, tokens.province).expect(403);
    const key = await createApiKey(api.db, officerC.id);
    await request(api.url).get(`${API}/deliveries/${d.body.id}`).set(apiKeyHeader(key.key)).expect(404);
    // Both parties see them.
    const listA = await get(`/matches/${matchId}/deliveries`, tokens.a).expect(200);
    const listB = await get(`/matches/${matchId}/deliveries`, tokens.b).expect(200);
    expect(listA.body.total).toBe(listB.body.total);
    await get(`/matches/not-a-uuid/deliveries`, tokens.a).expect(404);
    await get(`/deliveries/00000000-0000-4000-8000-000000000000`, tokens.coordinator).expect(404);
  });
});
