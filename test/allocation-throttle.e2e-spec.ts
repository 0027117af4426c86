import { JobQueue } from '@symbiose/core';
import { createDataSource } from '@symbiose/domain';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';
import {
  ALLOCATION_THROTTLE_FACTOR,
  AllocationProcessor,
} from '../apps/worker/src/processors/allocation.processor';
import { isolatedConfig } from './support/worker-harness';

/**
 * A region whose plan is slow to solve is not re-solved on every matching write: requests within
 * ALLOCATION_THROTTLE_FACTOR solve-times of the latest plan are skipped, the periodic check is not,
 * and fast regions are never throttled.
 */
describe('allocation throttle for slow regions', () => {
  let db: DataSource;
  let processor: AllocationProcessor;

  beforeAll(async () => {
    const config = await isolatedConfig('allocation_throttle');
    db = createDataSource(config);
    await db.initialize();
    // Neither the throttle nor a solve that gets its lock touches the queue.
    processor = new AllocationProcessor(db, null as unknown as JobQueue);
  });
  afterAll(async () => db.destroy());

  async function latestPlan(loadMs: number, solveMs: number): Promise<void> {
    await db.query(`TRUNCATE allocation_plans CASCADE`);
    await db.query(
      `INSERT INTO allocation_plans (engine_version, factor_set_version, status, input_hash, plan_energy_mwh,
         plan_co2_t, greedy_energy_mwh, greedy_co2_t, naive_energy_mwh, naive_co2_t, pairs_count, items_count,
         supplies_count, demands_count, solver)
       VALUES ('test', 'test', 'optimal', 'not-this-input', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, $1)`,
      [JSON.stringify({ loadMs, totalSolveMs: solveMs })],
    );
  }
  const plans = async () => Number((await db.query(`SELECT count(*) AS n FROM allocation_plans`))[0].n);
  const request = { requestedAt: new Date().toISOString() };

  it('skips a request right after a plan that took 50 s, for about ten times that', async () => {
    await latestPlan(20_000, 30_000);
    const result = (await processor.allocateRegion(request)) as { throttled?: boolean; waitMs?: number };
    expect(result.throttled).toBe(true);
    expect(result.waitMs).toBeGreaterThan(ALLOCATION_THROTTLE_FACTOR * 50_000 - 60_000);
    expect(result.waitMs).toBeLessThanOrEqual(ALLOCATION_THROTTLE_FACTOR * 50_000);
    expect(await plans()).toBe(1);
  });

  it('the periodic check still solves, and a fast region is never throttled', async () => {
    await latestPlan(20_000, 30_000);
    const periodic = { repeatJobKey: 'allocate-region-check' } as unknown as Job;
    const solved = (await processor.allocateRegion(request, periodic)) as {
      throttled?: boolean;
      planId?: string;
    };
    expect(solved.throttled).toBeUndefined();
    expect(solved.planId).toEqual(expect.any(String));
    expect(await plans()).toBe(2);

    await latestPlan(400, 600);
    const fast = (await processor.allocateRegion(request)) as { throttled?: boolean; planId?: string };
    expect(fast.throttled).toBeUndefined();
    expect(await plans()).toBe(2);
  });
});
