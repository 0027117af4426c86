import { rowsOf } from '@symbiose/core';
import { type AllocationResult, CURRENT_FACTOR_SET, ENGINE_VERSION } from '@symbiose/engine';
import { DataSource, EntityManager } from 'typeorm';
import { AllocationInput, loadAllocationInput } from './allocation-input';
import { type AllocationThreadOptions, solveAllocationInThread } from './allocation-solve.runner';

/** Allocation solves serialize on this session lock (distinct from the migration, matching and seed locks). */
export const ALLOCATION_LOCK_ID = 7_356_110_100;

/** How many plans are kept for comparison (GET /allocation/history); older ones are deleted. */
export const ALLOCATION_PLANS_KEPT = 10;

/** Wall-clock limit per linear program; a component that hits it falls back to greedy (status says so). */
export const ALLOCATION_LP_TIME_LIMIT_SECONDS = 120;

const ITEM_CHUNK = 20_000;

export interface RecomputeAllocationOptions {
  /** ISO time of the request the job stands for, stored with the plan. */
  requestedAt?: string | null;
  /** Store a new plan even when the input is unchanged since the latest one. */
  force?: boolean;
  /** Plans to keep (default ALLOCATION_PLANS_KEPT). */
  keep?: number;
  /**
   * Wait for a solve in progress elsewhere instead of returning `busy` at once. Workers do not wait
   * (a waiting job would hold up their maintenance queue); they re-request the debounced job.
   */
  waitForLock?: boolean;
  /** Solver options and the solve thread's heap limits (the solve runs in a worker thread). */
  solver?: AllocationThreadOptions;
}

export interface RecomputeAllocationResult {
  /** True when another solve held the lock and `waitForLock` was off: nothing was read or written. */
  busy: boolean;
  /** The plan written, or the latest plan when the input was unchanged (null when neither exists). */
  planId: string | null;
  /** True when the input equals the latest plan's, so nothing was solved or written. */
  unchanged: boolean;
  pairs: number;
  excluded: number;
  items: number;
  status: string | null;
  planCo2: number | null;
  greedyCo2: number | null;
  naiveCo2: number | null;
  loadMs: number;
  solveMs: number;
  writeMs: number;
  pruned: number;
}

const EMPTY_RESULT: RecomputeAllocationResult = {
  busy: false,
  planId: null,
  unchanged: false,
  pairs: 0,
  excluded: 0,
  items: 0,
  status: null,
  planCo2: null,
  greedyCo2: null,
  naiveCo2: null,
  loadMs: 0,
  solveMs: 0,
  writeMs: 0,
  pruned: 0,
};

const ms = (since: number) => Math.round((performance.now() - since) * 10) / 10;

/**
 * Recomputes the region-wide allocation plan from every stored qualifying match and stores it,
 * keeping the last `keep` plans. Serialized by a session advisory lock taken before the input is
 * read (so a later solve always reads a later snapshot); when another solve holds it, returns
 * `busy` (or waits, with `waitForLock`). Idempotent: when the input is unchanged since the latest
 * plan it writes nothing.
 */
export async function recomputeAllocation(
  db: DataSource,
  options: RecomputeAllocationOptions = {},
): Promise<RecomputeAllocationResult> {
  const runner = db.createQueryRunner();
  await runner.connect();
  let locked = false;
  try {
    if (options.waitForLock) {
      await runner.query('SELECT pg_advisory_lock($1)', [ALLOCATION_LOCK_ID]);
      locked = true;
    } else {
      const [row] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [
        ALLOCATION_LOCK_ID,
      ])) as { locked: boolean }[];
      locked = row.locked;
      if (!locked) return { ...EMPTY_RESULT, busy: true };
    }

    const loadStarted = performance.now();
    await runner.startTransaction('REPEATABLE READ');
    let input: AllocationInput;
    let latest: { id: string; input_hash: string } | undefined;
    try {
      input = await loadAllocationInput(runner.manager);
      [latest] = (await runner.query(
        `SELECT id, input_hash FROM allocation_plans ORDER BY created_at DESC, id DESC LIMIT 1`,
      )) as { id: string; input_hash: string }[];
      await runner.commitTransaction();
    } catch (err) {
      await runner.rollbackTransaction();
      throw err;
    }
    const loadMs = ms(loadStarted);
    const base = { busy: false, pairs: input.pairs.length, excluded: input.excluded, loadMs };
    if (latest && latest.input_hash === input.fingerprint && !options.force) {
      return {
        ...base,
        planId: latest.id,
        unchanged: true,
        items: 0,
        status: null,
        planCo2: null,
        greedyCo2: null,
        naiveCo2: null,
        solveMs: 0,
        writeMs: 0,
        pruned: 0,
      };
    }

    // In a worker thread: the HiGHS solve is synchronous WebAssembly (over a minute for a large
    // region) and would otherwise stall this process's event loop, its job locks and its other
    // queues. A failed thread rejects here, before anything is written: the previous plan stays.
    const solveStarted = performance.now();
    const result = await solveAllocationInThread(input.pairs, input.supplies, input.demands, {
      timeLimitSeconds: ALLOCATION_LP_TIME_LIMIT_SECONDS,
      ...options.solver,
    });
    const solveMs = ms(solveStarted);

    const writeStarted = performance.now();
    await runner.startTransaction();
    let planId: string;
    let pruned: number;
    try {
      planId = await writePlan(runner.manager, input, result, options.requestedAt ?? null, {
        loadMs,
        solveMs,
      });
      pruned = await prunePlans(runner.manager, options.keep ?? ALLOCATION_PLANS_KEPT);
      await runner.commitTransaction();
    } catch (err) {
      await runner.rollbackTransaction();
      throw err;
    }
    return {
      ...base,
      planId,
      unchanged: false,
      items: result.plan.items.length,
      status: result.solver.status,
      planCo2: result.plan.totals.co2AvoidedTonnesPerYear,
      greedyCo2: result.greedy.totals.co2AvoidedTonnesPerYear,
      naiveCo2: result.naive.totals.co2AvoidedTonnesPerYear,
      solveMs,
      writeMs: ms(writeStarted),
      pruned,
    };
  } finally {
    try {
      if (locked) await runner.query('SELECT pg_advisory_unlock($1)', [ALLOCATION_LOCK_ID]);
    } finally {
      await runner.release();
    }
  }
}

/** Writes the header and its items (set-based: one INSERT … SELECT FROM unnest per chunk). */
async function writePlan(
  m: EntityManager,
  input: AllocationInput,
  result: AllocationResult,
  requestedAt: string | null,
  timing: { loadMs: number; solveMs: number },
): Promise<string> {
  const { plan, greedy, naive, solver } = result;
  const [header] = (await m.query(
    `INSERT INTO allocation_plans (requested_at, engine_version, factor_set_version, status, input_hash,
       plan_energy_mwh, plan_co2_t, greedy_energy_mwh, greedy_co2_t, naive_energy_mwh, naive_co2_t,
       pairs_count, items_count, supplies_count, demands_count, excluded_count, solver)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     RETURNING id`,
    [
      requestedAt && Number.isFinite(Date.parse(requestedAt)) ? requestedAt : null,
      ENGINE_VERSION,
      CURRENT_FACTOR_SET.version,
      solver.status,
      input.fingerprint,
      plan.totals.energySavedMWhPerYear,
      plan.totals.co2AvoidedTonnesPerYear,
      greedy.totals.energySavedMWhPerYear,
      greedy.totals.co2AvoidedTonnesPerYear,
      naive.totals.energySavedMWhPerYear,
      naive.totals.co2AvoidedTonnesPerYear,
      input.pairs.length,
      plan.items.length,
      input.supplies.length,
      input.demands.length,
      input.excluded,
      JSON.stringify({ ...solver, loadMs: timing.loadMs, totalSolveMs: timing.solveMs }),
    ],
  )) as { id: string }[];

  for (let i = 0; i < plan.items.length; i += ITEM_CHUNK) {
    const chunk = plan.items.slice(i, i + ITEM_CHUNK);
    const cols = {
      match: [] as string[],
      supply: [] as string[],
      demand: [] as string[],
      category: [] as string[],
      unit: [] as string[],
      quantity: [] as number[],
      supplyUsed: [] as number[],
      co2: [] as number[],
      energy: [] as number[],
    };
    for (const item of chunk) {
      const meta = input.meta.get(item.pairId);
      if (!meta) throw new Error(`allocation item ${item.pairId} has no pair`);
      cols.match.push(item.pairId);
      cols.supply.push(meta.supplyId);
      cols.demand.push(meta.demandId);
      cols.category.push(meta.category);
      cols.unit.push(meta.unit);
      cols.quantity.push(item.quantity);
      cols.supplyUsed.push(item.quantity * meta.supplyPerUnit);
      cols.co2.push(item.co2AvoidedTonnesPerYear);
      cols.energy.push(item.energySavedMWhPerYear);
    }
    await m.query(
      `INSERT INTO allocation_plan_items (plan_id, match_id, supply_stream_id, demand_stream_id, category, unit,
         quantity, supply_used, co2_t, energy_mwh)
       SELECT $1, t.* FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::float8[],
         $8::float8[], $9::float8[], $10::float8[])
         AS t(match_id, supply, demand, category, unit, quantity, supply_used, co2, energy)`,
      [
        header.id,
        cols.match,
        cols.supply,
        cols.demand,
        cols.category,
        cols.unit,
        cols.quantity,
        cols.supplyUsed,
        cols.co2,
        cols.energy,
      ],
    );
  }
  return header.id;
}

/** Deletes every plan but the `keep` latest (items cascade). Returns how many were deleted. */
async function prunePlans(m: EntityManager, keep: number): Promise<number> {
  const deleted = rowsOf<{ id: string }>(
    await m.query(
      `DELETE FROM allocation_plans WHERE id IN (
         SELECT id FROM allocation_plans ORDER BY created_at DESC, id DESC OFFSET $1
       ) RETURNING id`,
      [Math.max(1, keep)],
    ),
  );
  return deleted.length;
}
