import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobName, JobQueue } from '@symbiose/core';
import {
  compareRank,
  floorsOfList,
  matchFromScratch,
  pairKey,
  parseStoredFloors,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
  type RankKey,
} from '@symbiose/domain';
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

/**
 * The floors each stream keeps on its processed state (ranks K-1 … K+1 of its stored qualifying list)
 * must equal its list; returns how many streams have floors (null is allowed: not known yet).
 */
async function expectStoredFloorsAgree(db: DataSource): Promise<number> {
  const rows: { id: string; direction: string; rank_floors: unknown }[] = await db.query(
    `SELECT id, direction, rank_floors FROM stream_match_state WHERE rank_floors IS NOT NULL`,
  );
  const pairs: { supply_stream_id: string; demand_stream_id: string; score: number; e: number; r: number }[] =
    await db.query(
      `SELECT supply_stream_id, demand_stream_id, score, energy_saved_mwh AS e, route_km AS r FROM matches WHERE qualifies`,
    );
  const lists = new Map<string, RankKey[]>();
  for (const p of pairs) {
    const key: RankKey = {
      supplyId: p.supply_stream_id,
      demandId: p.demand_stream_id,
      score: p.score,
      energy: p.e,
      routeKm: p.r,
    };
    for (const id of [key.supplyId, key.demandId]) lists.set(id, [...(lists.get(id) ?? []), key]);
  }
  for (const row of rows) {
    const list = (lists.get(row.id) ?? []).sort(compareRank);
    expect({ id: row.id, floors: parseStoredFloors(row.rank_floors) }).toEqual({
      id: row.id,
      floors: floorsOfList(list, K),
    });
  }
  return rows.length;
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
      // The matcher kept the floors of (nearly) every stream it touched, and they equal the lists.
      expect(await expectStoredFloorsAgree(db)).toBeGreaterThan(live.length / 2);
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
