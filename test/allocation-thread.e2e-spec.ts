/**
 * The region-wide allocation solves in a worker thread (solveAllocationInThread): its result is the
 * in-process solveAllocation result on a seeded region in real Postgres, the stored plan is that
 * result, the caller's event loop stays responsive during a long solve, and a failed thread fails the
 * recompute without writing anything.
 */
import {
  createDataSource,
  loadAllocationInput,
  matchFromScratch,
  recomputeAllocation,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
} from '@symbiose/domain';
import { upsertPairs } from '@symbiose/domain/matching/match-writer';
import {
  AllocationThreadError,
  solveAllocationInThread,
} from '@symbiose/domain/allocation/allocation-solve.runner';
import {
  AllocationInputError,
  type AllocationResult,
  generateAllocationInstance,
  solveAllocation,
} from '@symbiose/engine';
import { DataSource } from 'typeorm';
import { createWorld, prng } from './matching/matching-fixtures';
import { isolatedConfig } from './support/worker-harness';

const K = 10;
const STREAMS = 1_600;

/** Everything but timings, which differ between any two runs. */
const withoutTimings = (r: AllocationResult) => ({ ...r, solver: { ...r.solver, solveMs: 0 } });

async function latestPlan(db: DataSource): Promise<string | null> {
  const [row] = (await db.query(
    `SELECT id FROM allocation_plans ORDER BY created_at DESC, id DESC LIMIT 1`,
  )) as { id: string }[];
  return row?.id ?? null;
}

describe('allocation: the solve runs in a worker thread', () => {
  let db: DataSource;

  beforeAll(async () => {
    const config = await isolatedConfig('allocation_thread');
    db = await createDataSource(config).initialize();
    await db.query(
      `TRUNCATE allocation_plans, match_runs, matches, stream_match_state, streams, sites, companies CASCADE`,
    );
    const world = await createWorld(db, 30, prng(11));
    // Heat streams in one canal zone (set-based, seeded): supplies compete for demands, so the LP binds.
    await db.query(`SELECT setseed(0.17)`);
    await db.query(
      `INSERT INTO streams (site_id, company_id, direction, category, title, quantity_amount, quantity_unit,
         annual_quantity, canonical_unit, quality, current_handling, current_source, status, latitude, longitude,
         country, has_quay, has_rail)
       SELECT s.id, s.company_id, d.direction, 'heat', 'Allocation thread stream', q.amount, 'MWh/yr', q.amount,
         'MWh/yr', jsonb_build_object('temperatureC', 60 + floor(random() * 100), 'medium', 'hot_water'),
         CASE WHEN d.direction = 'supply' THEN 'cooling_tower' END,
         CASE WHEN d.direction = 'demand' THEN 'natural_gas_boiler' END,
         'active', s.latitude, s.longitude, s.country, s.has_quay, s.has_rail
       FROM generate_series(1, $3::int) g
       CROSS JOIN LATERAL (SELECT CASE WHEN g % 2 = 0 THEN 'supply' ELSE 'demand' END AS direction) d
       CROSS JOIN LATERAL (SELECT 1000 + floor(random() * 99000) AS amount) q
       JOIN LATERAL (SELECT * FROM sites WHERE id = ($1::uuid[])[1 + g % $2]) s ON true`,
      [world.sites.map((x) => x.id), world.sites.length, STREAMS],
    );
    const rows = (await db.query(`SELECT ${STREAM_COLUMNS} FROM streams`)) as StreamRow[];
    const { kept } = await matchFromScratch(rows.map(toMatchable), K);
    await db.transaction((m) => upsertPairs(m, kept));
    await db.query(`UPDATE streams SET matched_version = version`);
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
  });

  it('returns exactly the in-process result on the stored region, and the stored plan is that result', async () => {
    const input = await loadAllocationInput(db);
    expect(input.pairs.length).toBeGreaterThan(2_000);
    const reference = await solveAllocation(input.pairs, input.supplies, input.demands);
    expect(reference.solver.lpSolves).toBeGreaterThan(0);
    expect(reference.plan.totals.co2AvoidedTonnesPerYear).toBeLessThan(
      reference.naive.totals.co2AvoidedTonnesPerYear,
    );

    const threaded = await solveAllocationInThread(input.pairs, input.supplies, input.demands);
    expect(withoutTimings(threaded)).toEqual(withoutTimings(reference));

    const result = await recomputeAllocation(db, { force: true, waitForLock: true });
    expect(result).toMatchObject({
      busy: false,
      unchanged: false,
      pairs: input.pairs.length,
      items: reference.plan.items.length,
      status: reference.solver.status,
      planCo2: reference.plan.totals.co2AvoidedTonnesPerYear,
      greedyCo2: reference.greedy.totals.co2AvoidedTonnesPerYear,
      naiveCo2: reference.naive.totals.co2AvoidedTonnesPerYear,
    });
    const stored = (await db.query(
      `SELECT match_id AS "pairId", quantity, co2_t AS "co2AvoidedTonnesPerYear", energy_mwh AS "energySavedMWhPerYear"
       FROM allocation_plan_items WHERE plan_id = $1 ORDER BY match_id`,
      [result.planId],
    )) as unknown[];
    expect(stored).toEqual(reference.plan.items);
  });

  it('keeps the event loop responsive while a large instance solves', async () => {
    const instance = generateAllocationInstance(150_000, 3);
    let maxDelayMs = 0;
    let ticks = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxDelayMs = Math.max(maxDelayMs, now - last);
      last = now;
      ticks++;
    }, 5);
    const started = performance.now();
    let result: AllocationResult;
    try {
      result = await solveAllocationInThread(instance.pairs, instance.supplies, instance.demands);
    } finally {
      clearInterval(timer);
    }
    const wallMs = performance.now() - started;
    console.log(
      `threaded solve of ${instance.pairs.length} pairs: ${Math.round(wallMs)} ms wall ` +
        `(${Math.round(result.solver.solveMs)} ms in HiGHS), max event-loop gap ${Math.round(maxDelayMs)} ms, ${ticks} timer ticks`,
    );
    expect(result.solver.status).toBe('optimal');
    expect(result.solver.lpSolves).toBeGreaterThan(0);
    expect(wallMs).toBeGreaterThan(1_000);
    // A solve on the event loop would stall it for at least HiGHS' time in one gap: the longest gap is
    // held far below that, rather than under a fixed figure that a slowed machine misses (284 ms
    // against 200 on a 2-core machine running at a third of its usual speed, HiGHS 4.9 s).
    expect(maxDelayMs).toBeLessThan(result.solver.solveMs / 5);
    expect(ticks).toBeGreaterThan(wallMs / 50);
  }, 30_000);

  it('a thread that dies fails the recompute: nothing written, the previous plan stays', async () => {
    const before = await latestPlan(db);
    expect(before).not.toBeNull();
    const [{ n: plans }] = (await db.query(`SELECT count(*)::int AS n FROM allocation_plans`)) as {
      n: number;
    }[];
    await expect(
      recomputeAllocation(db, {
        force: true,
        waitForLock: true,
        solver: { resourceLimits: { maxOldGenerationSizeMb: 4, maxYoungGenerationSizeMb: 1 } },
      }),
    ).rejects.toThrow(AllocationThreadError);
    expect(await latestPlan(db)).toBe(before);
    const [{ n: after }] = (await db.query(`SELECT count(*)::int AS n FROM allocation_plans`)) as {
      n: number;
    }[];
    expect(after).toBe(plans);
    // The advisory lock was released: the next recompute runs.
    const next = await recomputeAllocation(db, { force: true });
    expect(next.busy).toBe(false);
  });

  it('rejects bad input like the engine does, before starting a thread', async () => {
    const pair = {
      id: 'p1',
      supplyId: 'nowhere',
      demandId: 'd1',
      maxQuantity: 1,
      supplyPerUnit: 1,
      co2PerUnit: 1,
      energyPerUnit: 1,
    };
    const streams = [{ id: 'd1', quantity: 1 }];
    const engine = await solveAllocation([pair], [], streams).catch((e: Error) => e);
    expect(engine).toBeInstanceOf(AllocationInputError);
    await expect(solveAllocationInThread([pair], [], streams)).rejects.toThrow(
      new AllocationInputError((engine as Error).message),
    );
  });
});
