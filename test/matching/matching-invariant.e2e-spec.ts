import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobName, JobQueue } from '@symbiose/core';
import { matchFromScratch, pairKey, STREAM_COLUMNS, StreamRow, toMatchable } from '@symbiose/domain';
import { DataSource } from 'typeorm';
import { drain, isolatedConfig, obliterateQueues, startWorker } from '../support/worker-harness';
import {
  changeStream,
  createWorld,
  destroyWorld,
  insertStream,
  MatchingWorld,
  prng,
  setStatus,
} from './matching-fixtures';

const K = 3;

async function storedProposed(db: DataSource): Promise<Map<string, number>> {
  const rows: { supply_stream_id: string; demand_stream_id: string; score: number }[] = await db.query(
    `SELECT supply_stream_id, demand_stream_id, score FROM matches WHERE status = 'proposed'`,
  );
  return new Map(rows.map((r) => [pairKey(r.supply_stream_id, r.demand_stream_id), r.score]));
}

async function fromScratch(db: DataSource): Promise<Map<string, number>> {
  const rows = (await db.query(`SELECT ${STREAM_COLUMNS} FROM streams`)) as StreamRow[];
  const result = await matchFromScratch(rows.map(toMatchable), K);
  return new Map(result.kept.map((p) => [pairKey(p.supplyId, p.demandId), p.score]));
}

describe('matching invariant: incremental == from scratch (real Postgres, Redis, two workers)', () => {
  let config: AppConfig;
  let workers: INestApplicationContext[] = [];
  let db: DataSource;
  let queue: JobQueue;
  let world: MatchingWorld;

  beforeAll(async () => {
    config = await isolatedConfig('invariant', {
      MATCH_TOP_K: String(K),
      WORKER_CONCURRENCY: '2',
      SWEEP_INTERVAL_MS: '3600000',
    });
    workers = [await startWorker(config), await startWorker(config)];
    db = workers[0].get(DataSource);
    queue = workers[0].get(JobQueue);
    await db.query(`TRUNCATE matches, streams, sites, companies CASCADE`);
  });

  afterAll(async () => {
    if (world && !process.env.INVARIANT_KEEP) await destroyWorld(db, world);
    for (const w of workers) await w.close();
  });

  it.each((process.env.INVARIANT_SEEDS ?? '1,2,3').split(',').map(Number))(
    'random sequence with seed %i leaves exactly the from-scratch matches',
    async (seed) => {
      const rnd = prng(seed);
      await obliterateQueues(queue);
      if (world) await destroyWorld(db, world);
      world = await createWorld(db, 12, rnd);
      const live: string[] = [];
      for (let op = 0; op < 250; op++) {
        const r = rnd();
        let changed: { id: string; version: number } | undefined;
        if (live.length < 6 || r < 0.4) {
          const site = world.sites[Math.floor(rnd() * world.sites.length)];
          changed = await insertStream(db, site, rnd() < 0.5 ? 'supply' : 'demand', rnd);
          live.push(changed.id);
        } else if (r < 0.7) {
          changed = await changeStream(db, live[Math.floor(rnd() * live.length)], rnd);
        } else if (r < 0.85) {
          changed = await setStatus(
            db,
            live[Math.floor(rnd() * live.length)],
            rnd() < 0.5 ? 'paused' : 'active',
          );
        } else {
          const id = live.splice(Math.floor(rnd() * live.length), 1)[0];
          changed = await setStatus(db, id, 'withdrawn');
        }
        await queue.add(JobName.MatchStream, { streamId: changed.id, version: changed.version });
        if (process.env.INVARIANT_SEQUENTIAL) await drain(db, queue);
      }
      await drain(db, queue);
      const expected = await fromScratch(db);
      const actual = await storedProposed(db);
      expect(expected.size).toBeGreaterThan(10);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, score] of expected) expect(actual.get(key)).toBe(score);
    },
  );

  it('re-running every job changes nothing (idempotent)', async () => {
    const before = await db.query(
      `SELECT id, supply_stream_id, demand_stream_id, updated_at FROM matches ORDER BY id`,
    );
    const streams: { id: string; version: number }[] = await db.query(`SELECT id, version FROM streams`);
    await queue.addBulk(
      JobName.MatchStream,
      streams.map((s) => ({ streamId: s.id, version: s.version })),
      { jobIdSuffix: '_again' },
    );
    await drain(db, queue);
    const after = await db.query(
      `SELECT id, supply_stream_id, demand_stream_id, updated_at FROM matches ORDER BY id`,
    );
    expect(after).toEqual(before);
  });
});
