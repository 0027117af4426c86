import { ChildProcess } from 'node:child_process';
import { AppConfig, ConfigModule, JobName, JobQueue, QueueModule } from '@symbiose/core';
import {
  createDataSource,
  matchFromScratch,
  pairKey,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
} from '@symbiose/domain';
import { DataSource } from 'typeorm';
import { NestFactory } from '@nestjs/core';
import { Module } from '@nestjs/common';
import { pollUntil } from '../support/api-harness';
import { isolatedConfig, obliterateQueues } from '../support/worker-harness';
import { spawnWorker, waitForExit } from '../support/worker-process';
import { createWorld, expectStoredFloorsAgree, prng } from './matching-fixtures';

const K = 5;

/** A producer-only context: enqueue jobs without running a worker in this process. */
async function producer(config: AppConfig) {
  @Module({ imports: [ConfigModule.forRoot(config), QueueModule] })
  class ProducerModule {}
  return NestFactory.createApplicationContext(ProducerModule, { logger: false });
}

describe('a worker killed with SIGKILL in the middle of a full re-match', () => {
  let config: AppConfig;
  let db: DataSource;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // Small write batches: the kill lands between statements of a run that writes while it scores.
    config = await isolatedConfig('crash', {
      MATCH_TOP_K: String(K),
      JOB_LOCK_MS: '4000',
      MATCH_WRITE_BATCH: '500',
    });
    db = await createDataSource(config).initialize();
    await db.query(`TRUNCATE match_runs, matches, stream_match_state, streams, sites, companies CASCADE`);
    const rnd = prng(99);
    const world = await createWorld(db, 40, rnd);
    // 8,000 heat streams in one canal zone (set-based, seeded): a run long enough to be killed half-way.
    await db.query(`SELECT setseed(0.42)`);
    await db.query(
      `INSERT INTO streams (site_id, company_id, direction, category, title, quantity_amount, quantity_unit,
         annual_quantity, canonical_unit, quality, current_handling, current_source, status, latitude, longitude,
         country, has_quay, has_rail)
       SELECT s.id, s.company_id, d.direction, 'heat', 'Crash test stream', q.amount, 'MWh/yr', q.amount, 'MWh/yr',
         jsonb_build_object('temperatureC', 60 + floor(random() * 100), 'medium', 'hot_water'),
         CASE WHEN d.direction = 'supply' THEN 'cooling_tower' END,
         CASE WHEN d.direction = 'demand' THEN 'natural_gas_boiler' END,
         'active', s.latitude, s.longitude, s.country, s.has_quay, s.has_rail
       FROM generate_series(1, 8000) g
       CROSS JOIN LATERAL (SELECT CASE WHEN g % 2 = 0 THEN 'supply' ELSE 'demand' END AS direction) d
       CROSS JOIN LATERAL (SELECT 1000 + floor(random() * 99000) AS amount) q
       JOIN LATERAL (SELECT * FROM sites WHERE id = ($1::uuid[])[1 + g % $2]) s ON true`,
      [world.sites.map((x) => x.id), world.sites.length],
    );
    await db.query(`UPDATE streams SET matched_version = version`);
  }, 240_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await db.destroy();
  });

  it('restarts, reaches done, and leaves exactly the matches of a clean run with no duplicates', async () => {
    const app = await producer(config);
    const queue = app.get(JobQueue);
    await obliterateQueues(queue);
    const first = spawnWorker(config);
    children.push(first);
    const [run] = (await db.query(
      `INSERT INTO match_runs (status, reason, engine_version, factor_set_version) VALUES ('queued', 'crash test', '-', '-')
       RETURNING id`,
    )) as { id: string }[];
    await queue.add(JobName.MatchRun, { runId: run.id });
    await pollUntil(
      async () => {
        const [r] = (await db.query(`SELECT status, done FROM match_runs WHERE id = $1`, [run.id])) as {
          status: string;
          done: number;
        }[];
        return r.status === 'running' && r.done > 0;
      },
      { what: 'the run to be under way', timeoutMs: 60_000, intervalMs: 20 },
    );
    first.kill('SIGKILL');
    await waitForExit(first);
    const [mid] = (await db.query(`SELECT status FROM match_runs WHERE id = $1`, [run.id])) as {
      status: string;
    }[];
    expect(mid.status).toBe('running');

    const second = spawnWorker(config);
    children.push(second);
    await pollUntil(
      async () => {
        const [r] = (await db.query(`SELECT status FROM match_runs WHERE id = $1`, [run.id])) as {
          status: string;
        }[];
        return r.status === 'done';
      },
      { what: 'the restarted run to finish', timeoutMs: 90_000, intervalMs: 100 },
    );
    const [dupes] = (await db.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM matches GROUP BY supply_stream_id, demand_stream_id HAVING count(*) > 1) d`,
    )) as { n: number }[];
    expect(dupes.n).toBe(0);
    const rows = (await db.query(`SELECT ${STREAM_COLUMNS} FROM streams`)) as StreamRow[];
    const clean = await matchFromScratch(rows.map(toMatchable), K);
    const stored: { supply_stream_id: string; demand_stream_id: string }[] = await db.query(
      `SELECT supply_stream_id, demand_stream_id FROM matches WHERE status = 'proposed'`,
    );
    expect(clean.kept.length).toBeGreaterThan(1000);
    expect(stored.map((r) => pairKey(r.supply_stream_id, r.demand_stream_id)).sort()).toEqual(
      clean.kept.map((p) => pairKey(p.supplyId, p.demandId)).sort(),
    );
    // The run stored every stream's floors (ranks K-1 … K+1 of its list), and they equal the lists.
    const [{ streams }] = (await db.query(`SELECT count(*)::int AS streams FROM streams`)) as {
      streams: number;
    }[];
    expect(await expectStoredFloorsAgree(db, K)).toBe(streams);
    second.kill('SIGTERM');
    await waitForExit(second);
    await app.close();
  }, 240_000);
});
