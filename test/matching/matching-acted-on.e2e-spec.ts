import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobName, JobQueue } from '@symbiose/core';
import { DataSource } from 'typeorm';
import { drain, isolatedConfig, obliterateQueues, startWorker } from '../support/worker-harness';
import { createWorld, insertStream, MatchingWorld, prng, setStatus } from './matching-fixtures';

/** Matches a party has acted on are never deleted or expired by re-matching; they are flagged stale. */
describe('re-matching keeps matches a party acted on', () => {
  let config: AppConfig;
  let worker: INestApplicationContext;
  let db: DataSource;
  let queue: JobQueue;
  let world: MatchingWorld;

  beforeAll(async () => {
    // No sweeper during the test: it would race the fixture's direct updates.
    config = await isolatedConfig('acted_on', { MATCH_TOP_K: '1', SWEEP_INTERVAL_MS: '3600000' });
    worker = await startWorker(config);
    db = worker.get(DataSource);
    queue = worker.get(JobQueue);
    await obliterateQueues(queue);
    await db.query(`TRUNCATE matches, stream_match_state, streams, sites, companies CASCADE`);
    world = await createWorld(db, 4, prng(7));
  });
  afterAll(async () => worker.close());

  /** The worker's own jobs (allocation, reports) may deadlock with these fixture writes; Postgres says retry. */
  async function write(sql: string, params: unknown[] = []): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await db.query(sql, params);
        return;
      } catch (err) {
        if ((err as { driverError?: { code?: string } }).driverError?.code !== '40P01' || attempt >= 5)
          throw err;
      }
    }
  }

  async function matchAll(ids: { id: string; version: number }[]) {
    for (const s of ids) await queue.add(JobName.MatchStream, { streamId: s.id, version: s.version });
    await drain(db, queue);
  }

  async function row(supply: string, demand: string) {
    const [m] = (await db.query(
      `SELECT status, stale, qualifies, supply_interest FROM matches WHERE supply_stream_id = $1 AND demand_stream_id = $2`,
      [supply, demand],
    )) as { status: string; stale: boolean; qualifies: boolean; supply_interest: string | null }[];
    return m;
  }

  it('keeps an interested pair that falls out of every top K, and flags it stale when it stops qualifying', async () => {
    const rnd = prng(8);
    const [a, b, c] = world.sites;
    const demand = await insertStream(db, a, 'demand', rnd, 'co2');
    const supply = await insertStream(db, b, 'supply', rnd, 'co2');
    // Pure enough CO2 for any need, so every supply here serves every demand.
    await write(`UPDATE streams SET quality = CASE direction WHEN 'supply' THEN '{"purityPct": 99.9}'::jsonb
      ELSE '{"purityPct": 95}'::jsonb END WHERE category = 'co2'`);
    await matchAll([demand, supply]);
    expect(await row(supply.id, demand.id)).toMatchObject({ status: 'proposed', qualifies: true });

    // The supplier's officer says interest (what the workflow records).
    await write(
      `UPDATE matches SET supply_interest = 'interested' WHERE supply_stream_id = $1 AND demand_stream_id = $2`,
      [supply.id, demand.id],
    );
    // A far better supplier appears and the first supply gains a better demand: with K = 1 the pair is
    // now in neither top K, which would delete an untouched match.
    const big = await insertStream(db, c, 'supply', rnd, 'co2');
    await write(`UPDATE streams SET annual_quantity = 1e7, quantity_amount = 1e7 WHERE id = $1`, [big.id]);
    const better = await insertStream(db, world.sites[3], 'demand', rnd, 'co2');
    await write(`UPDATE streams SET annual_quantity = 1e7, quantity_amount = 1e7 WHERE id = $1`, [better.id]);
    await matchAll([big, better]);
    const kept = await row(supply.id, demand.id);
    expect(kept).toMatchObject({ status: 'proposed', supply_interest: 'interested', qualifies: true });

    const withdrawn = await setStatus(db, supply.id, 'withdrawn');
    await matchAll([withdrawn]);
    expect(await row(supply.id, demand.id)).toMatchObject({
      status: 'proposed',
      supply_interest: 'interested',
      qualifies: false,
      stale: true,
    });
  });
});
