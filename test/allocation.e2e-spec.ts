/**
 * Issue #10: the region-wide allocation plan, end to end on the demo region: the seed enqueues the
 * streams, a real worker matches them and (debounced) recomputes the plan with HiGHS, and the API
 * serves it. Real Postgres (a database of this suite's own) and Redis (own queue prefix).
 */
import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobName, JobQueue, QueueName, rowsOf } from '@symbiose/core';
import {
  ALLOCATION_EXCLUDED_STATUSES,
  DEMO_COORDINATOR_EMAIL,
  demoProvinceEmail,
  latestPlanItemsWithRegions,
  loadAllocationInput,
  potentialSavings,
  recomputeAllocation,
  seedDemo,
} from '@symbiose/domain';
import { solveAllocation } from '@symbiose/engine';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { API, bearer, tokenFor } from './factories';
import { ApiHarness, pollUntil, startApi } from './support/api-harness';
import { drain, isolatedConfig, obliterateQueues, startWorker } from './support/worker-harness';

interface PlanItem {
  matchId: string;
  matchStatus: string | null;
  supplyStreamId: string;
  demandStreamId: string;
  category: string;
  quantity: number;
  unit: string;
  supplyUsed: number;
  co2AvoidedTonnesPerYear: number;
  energySavedMWhPerYear: number;
}

interface Totals {
  energySavedMWhPerYear: number;
  co2AvoidedTonnesPerYear: number;
}

interface PlanBody {
  id: string | null;
  createdAt: string | null;
  status: string;
  plan: { totals: Totals };
  greedy: { totals: Totals };
  naive: { totals: Totals };
  pairs: number;
  items: PlanItem[];
  page: number;
  pageSize: number;
  total: number;
}

const REL = 1e-9;

/** Waits until the latest stored plan was computed from exactly the current input (matching settled, job ran). */
async function settledPlanId(db: DataSource, timeoutMs = 40_000): Promise<string> {
  return pollUntil(
    async () => {
      const [latest] = (await db.query(
        `SELECT id, input_hash FROM allocation_plans ORDER BY created_at DESC, id DESC LIMIT 1`,
      )) as { id: string; input_hash: string }[];
      if (!latest) return null;
      const input = await loadAllocationInput(db);
      return input.pairs.length > 0 && latest.input_hash === input.fingerprint ? latest.id : null;
    },
    { timeoutMs, intervalMs: 250, what: 'the allocation plan to settle' },
  );
}

async function planCount(db: DataSource): Promise<number> {
  const [row] = (await db.query(`SELECT count(*)::int AS n FROM allocation_plans`)) as { n: number }[];
  return row.n;
}

describe('allocation: the demo region through a real worker', () => {
  let config: AppConfig;
  let worker: INestApplicationContext;
  let api: ApiHarness;
  let db: DataSource;
  let queue: JobQueue;
  let coordinator: string;
  let admin: string;
  let province: string;
  let officers: Map<string, { token: string; companyId: string }>;
  let planId: string;
  let body: PlanBody;

  const get = (path: string, token: string) => request(api.url).get(`${API}${path}`).set(bearer(token));

  /** Every item of the latest plan, page by page. */
  async function allItems(token: string): Promise<PlanItem[]> {
    const items: PlanItem[] = [];
    for (let page = 1; ; page++) {
      const res = await get(`/allocation?page=${page}&pageSize=100`, token).expect(200);
      items.push(...(res.body as PlanBody).items);
      if (items.length >= (res.body as PlanBody).total || res.body.items.length === 0) return items;
    }
  }

  beforeAll(async () => {
    config = await isolatedConfig('allocation');
    api = await startApi({ DATABASE_URL: config.DATABASE_URL, QUEUE_PREFIX: config.QUEUE_PREFIX });
    db = api.db;
    queue = api.app.get(JobQueue);
    await obliterateQueues(queue);
    await db.query(`TRUNCATE companies, users, match_runs, allocation_plans CASCADE`);
    worker = await startWorker(config);

    await seedDemo(db, config, { queue });
    await drain(db, queue);
    planId = await settledPlanId(db);

    const users = (await db.query(`SELECT id, email, role, company_id FROM users`)) as {
      id: string;
      email: string;
      role: string;
      company_id: string | null;
    }[];
    const byEmail = (email: string) => {
      const user = users.find((u) => u.email === email);
      if (!user) throw new Error(`no demo user ${email}`);
      return tokenFor(api, user);
    };
    coordinator = byEmail(DEMO_COORDINATOR_EMAIL);
    province = byEmail(demoProvinceEmail('BE-VOV'));
    admin = tokenFor(api, users.find((u) => u.role === 'admin') as { id: string });
    officers = new Map(
      users
        .filter((u) => u.role === 'officer' && u.company_id)
        .map((u) => [u.company_id as string, { token: tokenFor(api, u), companyId: u.company_id as string }]),
    );
    body = (await get('/allocation?pageSize=100', coordinator).expect(200)).body as PlanBody;
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('serves the latest plan with its totals: greedy ≤ plan ≤ naive', async () => {
    expect(body.id).toBe(planId);
    expect(body.status).toBe('optimal');
    expect(new Date(body.createdAt as string).getTime()).toBeGreaterThan(0);
    const plan = body.plan.totals.co2AvoidedTonnesPerYear;
    const greedy = body.greedy.totals.co2AvoidedTonnesPerYear;
    const naive = body.naive.totals.co2AvoidedTonnesPerYear;
    expect(plan).toBeGreaterThan(0);
    expect(body.plan.totals.energySavedMWhPerYear).toBeGreaterThan(0);
    expect(plan).toBeGreaterThanOrEqual(greedy * (1 - REL));
    expect(plan).toBeLessThanOrEqual(naive * (1 + REL));
    // The demo region has more supply than demand for heat and hydrogen: pairwise estimates overlap.
    expect(naive).toBeGreaterThan(plan);
    console.log(
      `demo allocation: plan ${plan} t/yr, greedy ${greedy}, naive ${naive}; ${body.pairs} pairs, ${body.total} items`,
    );
  });

  it('reproduces the stored totals from the stored matches (same input, same solver)', async () => {
    const input = await loadAllocationInput(db);
    const result = await solveAllocation(input.pairs, input.supplies, input.demands);
    expect(body.pairs).toBe(input.pairs.length);
    expect(body.plan.totals).toEqual(result.plan.totals);
    expect(body.greedy.totals).toEqual(result.greedy.totals);
    expect(body.naive.totals).toEqual(result.naive.totals);
    const items = await allItems(coordinator);
    const expected = new Map(result.plan.items.map((i) => [i.pairId, i]));
    expect(items).toHaveLength(expected.size);
    for (const item of items) {
      const e = expected.get(item.matchId);
      expect(e).toBeDefined();
      expect(item.quantity).toBe(e?.quantity);
      expect(item.co2AvoidedTonnesPerYear).toBe(e?.co2AvoidedTonnesPerYear);
      expect(item.energySavedMWhPerYear).toBe(e?.energySavedMWhPerYear);
    }
  });

  it('never uses a stream beyond its quantity, nor a pair beyond its exchanged quantity', async () => {
    const items = await allItems(coordinator);
    expect(items.length).toBe(body.total);
    expect(items.length).toBeGreaterThan(0);
    const input = await loadAllocationInput(db);
    const pairs = new Map(input.pairs.map((p) => [p.id, p]));
    const quantities = new Map(
      (
        (await db.query(`SELECT id, annual_quantity FROM streams`)) as {
          id: string;
          annual_quantity: number;
        }[]
      ).map((s) => [s.id, s.annual_quantity]),
    );
    const supplyUse = new Map<string, number>();
    const demandUse = new Map<string, number>();
    let co2 = 0;
    let energy = 0;
    for (const item of items) {
      const pair = pairs.get(item.matchId);
      if (!pair) throw new Error(`item ${item.matchId} is not a qualifying pair`);
      expect(item.quantity).toBeGreaterThan(0);
      expect(item.quantity).toBeLessThanOrEqual(pair.maxQuantity * (1 + REL));
      // supplyUsed is quantity × supply used per unit delivered (losses, heat pumps), from the engine.
      expect(item.supplyUsed).toBeCloseTo(item.quantity * pair.supplyPerUnit, 6);
      expect(item.co2AvoidedTonnesPerYear).toBeCloseTo(item.quantity * pair.co2PerUnit, 4);
      supplyUse.set(item.supplyStreamId, (supplyUse.get(item.supplyStreamId) ?? 0) + item.supplyUsed);
      demandUse.set(item.demandStreamId, (demandUse.get(item.demandStreamId) ?? 0) + item.quantity);
      co2 += item.co2AvoidedTonnesPerYear;
      energy += item.energySavedMWhPerYear;
    }
    for (const [id, used] of supplyUse)
      expect(used).toBeLessThanOrEqual((quantities.get(id) ?? 0) * (1 + REL));
    for (const [id, used] of demandUse)
      expect(used).toBeLessThanOrEqual((quantities.get(id) ?? 0) * (1 + REL));
    expect(co2).toBeCloseTo(body.plan.totals.co2AvoidedTonnesPerYear, 4);
    expect(energy).toBeCloseTo(body.plan.totals.energySavedMWhPerYear, 4);
    // Somewhere a stream is the binding constraint, or the plan would equal the naive sum.
    const binding = [...supplyUse, ...demandUse].filter(
      ([id, used]) => used >= (quantities.get(id) ?? Infinity) * (1 - 1e-6),
    );
    expect(binding.length).toBeGreaterThan(0);
  });

  it('is built from every qualifying stored match and nothing else', async () => {
    const [row] = (await db.query(
      `SELECT count(*)::int AS n FROM matches WHERE qualifies AND status <> ALL($1::text[])`,
      [[...ALLOCATION_EXCLUDED_STATUSES]],
    )) as { n: number }[];
    const input = await loadAllocationInput(db);
    expect(input.excluded).toBe(0);
    expect(body.pairs).toBe(row.n);
  });

  it('was debounced: far fewer solves than matching jobs', async () => {
    const [streams] = (await db.query(`SELECT count(*)::int AS n FROM streams`)) as { n: number }[];
    expect(streams.n).toBeGreaterThanOrEqual(10);
    // One plan at most from the worker's boot-time check (no matches yet) and one after the seed settled;
    // a second after-seed plan only if matching paused longer than the debounce window.
    expect(await planCount(db)).toBeLessThanOrEqual(3);
    expect(await planCount(db)).toBeLessThan(streams.n);
  });

  it('an allocate-region job over an unchanged input writes nothing (idempotent)', async () => {
    const before = await planCount(db);
    const jobId = await queue.add(JobName.AllocateRegion, { requestedAt: new Date().toISOString() });
    const job = await pollUntil(
      async () => {
        const j = await queue.queue(QueueName.Maintenance).getJob(jobId);
        return j && (await j.getState()) === 'completed' ? j : null;
      },
      { what: 'the allocate-region job to complete' },
    );
    expect(job.returnvalue).toMatchObject({ unchanged: true, planId });
    expect(await planCount(db)).toBe(before);
  });

  it('paginates the items and lists the kept plans in the history', async () => {
    const page2 = (await get('/allocation?page=2&pageSize=2', coordinator).expect(200)).body as PlanBody;
    expect(page2).toMatchObject({ id: planId, page: 2, pageSize: 2, total: body.total });
    expect(page2.items).toEqual(body.items.slice(2, 4));
    const asAdmin = (await get('/allocation?pageSize=100', admin).expect(200)).body as PlanBody;
    expect(asAdmin).toEqual(body);

    const history = (await get('/allocation/history', coordinator).expect(200)).body;
    expect(history.total).toBe(await planCount(db));
    expect(history.items[0]).toMatchObject({
      id: planId,
      plan: body.plan,
      greedy: body.greedy,
      naive: body.naive,
      pairs: body.pairs,
    });
    await get('/allocation/history', province).expect(403);
    await get('/allocation', [...officers.values()][0].token).expect(403);
  });

  it('shows an officer what the plan assigns to their stream, with the counterpart anonymous until mutual interest', async () => {
    const item = body.items.find((i) => i.matchStatus === 'proposed') as PlanItem;
    expect(item).toBeDefined();
    const [supply] = (await db.query(
      `SELECT st.company_id, st.annual_quantity, st.direction FROM streams st WHERE st.id = $1`,
      [item.supplyStreamId],
    )) as { company_id: string; annual_quantity: number }[];
    const [demand] = (await db.query(
      `SELECT st.id, st.company_id, st.title, c.name AS company, si.name AS site, st.annual_quantity
       FROM streams st JOIN companies c ON c.id = st.company_id JOIN sites si ON si.id = st.site_id
       WHERE st.id = $1`,
      [item.demandStreamId],
    )) as {
      id: string;
      company_id: string;
      title: string;
      company: string;
      site: string;
      annual_quantity: number;
    }[];
    const officer = officers.get(supply.company_id);
    if (!officer) throw new Error('no officer for the supplier');

    const mine = await get(`/allocation/streams/${item.supplyStreamId}`, officer.token).expect(200);
    expect(mine.body.plan.id).toBe(planId);
    expect(mine.body.stream).toMatchObject({ id: item.supplyStreamId, direction: 'supply' });
    const own = mine.body.items.find((i: { matchId: string }) => i.matchId === item.matchId);
    expect(own).toBeDefined();
    expect(own.ownStreamId).toBe(item.supplyStreamId);
    expect(own.counterpart).toMatchObject({ direction: 'demand', category: item.category, revealed: false });
    expect(own.counterpart.distanceKm % 5).toBe(0);
    expect(own.counterpart.distanceKm).toBeGreaterThanOrEqual(5);
    const significant = (x: number) => Number(x.toPrecision(2));
    expect(own.counterpart.annualQuantity.amount).toBe(significant(demand.annual_quantity));
    expect(own.quantity.amount).toBe(significant(item.quantity));
    expect(mine.body.rounded).toBe(true);
    const text = JSON.stringify(mine.body);
    for (const secret of [demand.id, demand.company_id, demand.company, demand.site, demand.title]) {
      expect(text).not.toContain(secret);
    }

    // The coordinator sees the same assignment in full, and its total against the stream's quantity.
    const full = await get(`/allocation/streams/${item.supplyStreamId}`, coordinator).expect(200);
    const fullItem = full.body.items.find((i: { matchId: string }) => i.matchId === item.matchId);
    expect(fullItem.counterpart).toMatchObject({
      streamId: demand.id,
      companyId: demand.company_id,
      company: demand.company,
      site: demand.site,
    });
    expect(fullItem.quantity.amount).toBe(item.quantity);
    const assigned = full.body.items.reduce(
      (sum: number, i: { supplyUsed: { amount: number } }) => sum + i.supplyUsed.amount,
      0,
    );
    expect(full.body.assigned.amount).toBeCloseTo(assigned, 6);
    expect(full.body.assigned.amount).toBeLessThanOrEqual(supply.annual_quantity * (1 + REL));
    expect(full.body.share).toBeCloseTo(full.body.assigned.amount / supply.annual_quantity, 6);
    expect(full.body.rounded).toBe(false);

    // Another company's officer: 404, as if the stream did not exist; province users: 403.
    const outsider = [...officers.values()].find(
      (o) => o.companyId !== supply.company_id && o.companyId !== demand.company_id,
    );
    await get(`/allocation/streams/${item.supplyStreamId}`, (outsider as { token: string }).token).expect(
      404,
    );
    await get(`/allocation/streams/${item.supplyStreamId}`, province).expect(403);
    // The receiver's officer may read their own demand stream, with the supplier anonymous.
    const receiver = officers.get(demand.company_id) as { token: string };
    const theirs = await get(`/allocation/streams/${item.demandStreamId}`, receiver.token).expect(200);
    expect(JSON.stringify(theirs.body)).not.toContain(item.supplyStreamId);
    expect(JSON.stringify(theirs.body)).not.toContain(supply.company_id);

    // After mutual interest both sides see each other, with exact numbers.
    await db.query(`UPDATE matches SET status = 'mutual_interest' WHERE id = $1`, [item.matchId]);
    try {
      const revealed = await get(`/allocation/streams/${item.supplyStreamId}`, officer.token).expect(200);
      const shown = revealed.body.items.find((i: { matchId: string }) => i.matchId === item.matchId);
      expect(shown.counterpart).toMatchObject({
        revealed: true,
        streamId: demand.id,
        company: demand.company,
        site: demand.site,
        annualQuantity: { amount: demand.annual_quantity },
      });
      expect(shown.quantity.amount).toBe(item.quantity);
    } finally {
      await db.query(`UPDATE matches SET status = 'proposed' WHERE id = $1`, [item.matchId]);
    }
  });

  it("feeds the reports' potential basis: the plan's items with regions, pro-rated by month", async () => {
    const latest = await latestPlanItemsWithRegions(db);
    expect(latest.plan?.id).toBe(planId);
    expect(latest.items).toHaveLength(body.total);
    const sites = new Map(
      (
        (await db.query(
          `SELECT st.id, st.company_id, si.region FROM streams st JOIN sites si ON si.id = st.site_id`,
        )) as { id: string; company_id: string; region: string }[]
      ).map((r) => [r.id, r]),
    );
    for (const item of latest.items) {
      expect(item.supplierRegion).toBe(sites.get(item.supplyStreamId)?.region);
      expect(item.receiverRegion).toBe(sites.get(item.demandStreamId)?.region);
      expect(item.supplierCompanyId).toBe(sites.get(item.supplyStreamId)?.company_id);
      expect(item.receiverCompanyId).toBe(sites.get(item.demandStreamId)?.company_id);
    }
    const planCo2 = body.plan.totals.co2AvoidedTonnesPerYear;

    // A whole year of an always-available plan is the plan's annual total, split by category.
    const year = await potentialSavings(db, {
      from: '2027-01',
      to: '2027-12',
      groupBy: ['category'],
      attribution: 'receiver',
    });
    expect(year.plan?.id).toBe(planId);
    expect(year.totals.co2AvoidedTonnes).toBeCloseTo(planCo2, 6);
    expect(year.totals.energySavedMWh).toBeCloseTo(body.plan.totals.energySavedMWhPerYear, 6);
    expect(year.totals.exchanges).toBe(body.total);
    const categories = [...new Set(latest.items.map((i) => i.category))].sort();
    expect(year.rows.map((r) => r.category)).toEqual(categories);
    for (const row of year.rows) {
      const items = latest.items.filter((i) => i.category === row.category);
      expect(row.co2AvoidedTonnes).toBeCloseTo(
        items.reduce((sum, i) => sum + i.co2AvoidedTonnesPerYear, 0),
        6,
      );
      expect(row.exchanges).toBe(items.length);
      expect(row.companies).toBe(
        new Set(items.flatMap((i) => [i.supplierCompanyId, i.receiverCompanyId])).size,
      );
    }

    // Quarters: each holds three twelfths.
    const quarters = await potentialSavings(db, {
      from: '2027-01',
      to: '2027-06',
      groupBy: ['period'],
      period: 'quarter',
      attribution: 'receiver',
    });
    expect(quarters.rows.map((r) => r.period)).toEqual(['2027-Q1', '2027-Q2']);
    for (const row of quarters.rows) expect(row.co2AvoidedTonnes).toBeCloseTo(planCo2 / 4, 6);

    // By the supplier's region, one region only.
    const region = latest.items[0].supplierRegion;
    const own = await potentialSavings(db, {
      from: '2027-03',
      to: '2027-03',
      groupBy: ['region'],
      attribution: 'supplier',
      region,
    });
    const expected = latest.items
      .filter((i) => i.supplierRegion === region)
      .reduce((sum, i) => sum + i.co2AvoidedTonnesPerYear, 0);
    expect(own.rows).toEqual([expect.objectContaining({ region })]);
    expect(own.rows[0].co2AvoidedTonnes).toBeCloseTo(expected / 12, 6);

    await expect(
      potentialSavings(db, { from: '2027-13', to: '2027-01', groupBy: ['period'], attribution: 'receiver' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('recomputes after a change to the streams', async () => {
    // Withdraw the supply carrying the largest allocated item: the next plan must not use it.
    const top = body.items[0];
    const [changed] = rowsOf<{ id: string; version: number }>(
      await db.query(
        `UPDATE streams SET status = 'withdrawn', version = version + 1, updated_at = now() WHERE id = $1
         RETURNING id, version`,
        [top.supplyStreamId],
      ),
    );
    await queue.add(JobName.MatchStream, { streamId: changed.id, version: changed.version });
    await drain(db, queue);
    const next = await settledPlanId(db);
    expect(next).not.toBe(planId);
    const after = (await get('/allocation?pageSize=100', coordinator).expect(200)).body as PlanBody;
    expect(after.id).toBe(next);
    expect(after.items.some((i) => i.supplyStreamId === top.supplyStreamId)).toBe(false);
    expect(after.plan.totals.co2AvoidedTonnesPerYear).toBeLessThanOrEqual(
      body.plan.totals.co2AvoidedTonnesPerYear * (1 + REL),
    );
    const history = (await get('/allocation/history', coordinator).expect(200)).body;
    expect(history.items.map((p: { id: string }) => p.id).slice(0, 2)).toEqual([next, planId]);
  });

  it('a decline through the workflow API takes the match out of the next plan', async () => {
    const current = (await get('/allocation?pageSize=100', coordinator).expect(200)).body as PlanBody;
    const item = current.items.find((i) => i.matchStatus === 'proposed') as PlanItem;
    expect(item).toBeDefined();
    const [match] = (await db.query(
      `SELECT m.version, d.company_id FROM matches m JOIN streams d ON d.id = m.demand_stream_id WHERE m.id = $1`,
      [item.matchId],
    )) as { version: number; company_id: string }[];
    const receiver = officers.get(match.company_id) as { token: string };
    await request(api.url)
      .post(`${API}/matches/${item.matchId}/decline`)
      .set(bearer(receiver.token))
      .send({ version: match.version, note: 'not for us' })
      .expect(200);
    const next = await settledPlanId(db);
    expect(next).not.toBe(current.id);
    const after = (await get('/allocation?pageSize=100', coordinator).expect(200)).body as PlanBody;
    expect(after.id).toBe(next);
    expect(after.pairs).toBe(current.pairs - 1);
    expect(after.items.some((i) => i.matchId === item.matchId)).toBe(false);
  });

  it('keeps only the last plans', async () => {
    for (let i = 0; i < 4; i++) await recomputeAllocation(db, { force: true, keep: 3, waitForLock: true });
    expect(await planCount(db)).toBe(3);
  });
});
