import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobName, JobQueue } from '@symbiose/core';
import { DataSource } from 'typeorm';
import { drain, isolatedConfig, obliterateQueues, startWorker } from '../support/worker-harness';
import {
  changeStream,
  createWorld,
  destroyWorld,
  expectStoredFloorsAgree,
  fromScratch,
  insertStream,
  MatchingWorld,
  prng,
  setStatus,
  storedProposed,
} from './matching-fixtures';

const K = 3;

describe('matching invariant: incremental == from scratch (real Postgres, Redis, two workers)', () => {
  let config: AppConfig;
  let workers: INestApplicationContext[] = [];
  let db: DataSource;
  let queue: JobQueue;
  let world: MatchingWorld;

  beforeAll(async () => {
    config = await isolatedConfig('invariant', {
      MATCH_TOP_K: String(K),
      // Small, so that many jobs commit their own top K first and the rest in a second transaction.
      MATCH_DEFER_AFTER: '2',
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
      const [{ pending }] = await db.query(`SELECT count(*)::int AS pending FROM matcher_pending_writes`);
      expect(pending).toBe(0);
      const expected = await fromScratch(db, K);
      const actual = await storedProposed(db);
      expect(expected.size).toBeGreaterThan(10);
      expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, score] of expected) expect(actual.get(key)).toBe(score);
      // The matcher kept the floors of (nearly) every stream it touched, and they equal the lists.
      expect(await expectStoredFloorsAgree(db, K)).toBeGreaterThan(live.length / 2);
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
