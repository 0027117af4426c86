import { INestApplicationContext } from '@nestjs/common';
import { MatchingService } from '@symbiose/domain';
import { DataSource } from 'typeorm';
import { isolatedConfig, obliterateQueues, startWorker } from '../support/worker-harness';
import { JobQueue } from '@symbiose/core';
import {
  createWorld,
  expectStoredFloorsAgree,
  fromScratch,
  insertStream,
  MatchingWorld,
  prng,
  storedProposed,
} from './matching-fixtures';

const K = 2;

/**
 * A job with many rows to write outside the stream's own top K commits that top K first and the rest in
 * a second transaction; a worker that dies in between leaves the rest queued, and it is applied before
 * any other matching decision (or by the sweeper), so the store ends exactly as a from-scratch match.
 */
describe('deferred match writes (real Postgres)', () => {
  let worker: INestApplicationContext;
  let db: DataSource;
  let matching: MatchingService;
  let world: MatchingWorld;
  const rnd = prng(61);

  beforeAll(async () => {
    // Every job with a row to write outside its own top K defers it; no sweeper racing the fixture.
    const config = await isolatedConfig('deferred', {
      MATCH_TOP_K: String(K),
      MATCH_DEFER_AFTER: '0',
      SWEEP_INTERVAL_MS: '3600000',
    });
    worker = await startWorker(config);
    db = worker.get(DataSource);
    matching = worker.get(MatchingService);
    await obliterateQueues(worker.get(JobQueue));
    await db.query(
      `TRUNCATE matches, stream_match_state, streams, sites, companies, matcher_pending_writes CASCADE`,
    );
    world = await createWorld(db, 6, rnd);
  });
  afterAll(async () => {
    await db.query(`DROP TRIGGER IF EXISTS pending_writes_fault ON matcher_pending_writes`);
    await worker.close();
  });

  const pendingCount = async () =>
    ((await db.query(`SELECT count(*)::int AS n FROM matcher_pending_writes`)) as { n: number }[])[0].n;

  /** Small supplies and large demands (pure enough CO2 for any need): every supply serves every demand. */
  async function region(): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push((await insertStream(db, world.sites[i], 'demand', rnd, 'co2')).id);
      ids.push((await insertStream(db, world.sites[(i + 1) % 6], 'supply', rnd, 'co2')).id);
    }
    await db.query(`UPDATE streams SET
      quality = CASE direction WHEN 'supply' THEN '{"purityPct": 99.9}'::jsonb ELSE '{"purityPct": 95}'::jsonb END,
      annual_quantity = CASE direction WHEN 'supply' THEN 100 + 10 * random() ELSE 5000 END,
      quantity_amount = CASE direction WHEN 'supply' THEN 100 ELSE 5000 END`);
    for (const id of ids) await matching.matchStream(id);
    return ids;
  }

  /** A supply larger than every other: it enters the top K of every demand of the other companies. */
  async function bigSupply(site: number) {
    const big = await insertStream(db, world.sites[site], 'supply', rnd, 'co2');
    await db.query(
      `UPDATE streams SET annual_quantity = 1e6, quantity_amount = 1e6,
         quality = '{"purityPct": 99.9}'::jsonb WHERE id = $1`,
      [big.id],
    );
    return big.id;
  }

  it('commits the stream’s own top K first, then the rest, and ends as a from-scratch match', async () => {
    await region();
    expect(await storedProposed(db)).toEqual(await fromScratch(db, K));
    const big = await bigSupply(0);
    const result = await matching.matchStream(big);
    // Demands beyond its own top K take it into theirs, and each pushes its K-th best out.
    expect(result.kept).toBeGreaterThan(K);
    expect(result.deferred).toBeGreaterThan(result.kept - K);
    expect(await pendingCount()).toBe(0);
    expect(await storedProposed(db)).toEqual(await fromScratch(db, K));
    await expectStoredFloorsAgree(db, K);

    // The same stream again with nothing new: every kept row already holds its estimate, so nothing is
    // written and nothing deferred (MATCH_DEFER_AFTER is 0 here), the lists stay as they are.
    const before = await db.query(`SELECT id, updated_at, version FROM matches ORDER BY id`);
    const again = await matching.matchStream(big);
    expect(again.kept).toBe(result.kept);
    expect(again.deferred).toBe(0);
    expect(await db.query(`SELECT id, updated_at, version FROM matches ORDER BY id`)).toEqual(before);
    expect(await pendingCount()).toBe(0);
    await expectStoredFloorsAgree(db, K);
  });

  it('stores the queued write sets out of line, uncompressed (compressing them held up the first commit)', async () => {
    const storage = (await db.query(
      `SELECT attname, attstorage FROM pg_attribute
       WHERE attrelid = 'matcher_pending_writes'::regclass AND attname IN ('upserts', 'deletes') ORDER BY attname`,
    )) as { attname: string; attstorage: string }[];
    expect(storage).toEqual([
      { attname: 'deletes', attstorage: 'e' },
      { attname: 'upserts', attstorage: 'e' },
    ]);
  });

  it('leaves the rest queued when the second transaction fails, and applies it before anything else reads', async () => {
    // The second transaction fails where it removes the applied write set (as a worker dying would).
    await db.query(`CREATE OR REPLACE FUNCTION pending_writes_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'injected fault'; END $$`);
    await db.query(`CREATE TRIGGER pending_writes_fault BEFORE DELETE ON matcher_pending_writes
      FOR EACH STATEMENT EXECUTE FUNCTION pending_writes_fault()`);
    const big = await bigSupply(3);
    await expect(matching.matchStream(big)).rejects.toThrow('injected fault');

    // The first commit: the stream is matched at its version and its own top K is readable…
    const [{ version, matched_version }] = (await db.query(
      `SELECT version, matched_version FROM streams WHERE id = $1`,
      [big],
    )) as { version: number; matched_version: number }[];
    expect(matched_version).toBe(version);
    const own = (await db.query(`SELECT count(*)::int AS n FROM matches WHERE supply_stream_id = $1`, [
      big,
    ])) as {
      n: number;
    }[];
    expect(own[0].n).toBe(K);
    // …the rest is queued, so the store is not yet what a from-scratch match keeps.
    expect(await pendingCount()).toBe(1);
    expect(await storedProposed(db)).not.toEqual(await fromScratch(db, K));

    // The sweeper (or any next matching transaction) applies it.
    await db.query(`DROP TRIGGER pending_writes_fault ON matcher_pending_writes`);
    expect(await matching.applyLeftPendingWrites()).toBe(true);
    expect(await pendingCount()).toBe(0);
    expect(await matching.applyLeftPendingWrites()).toBe(false);
    expect(await storedProposed(db)).toEqual(await fromScratch(db, K));
    // A next job on the same stream changes nothing.
    const before = await db.query(`SELECT id, updated_at FROM matches ORDER BY id`);
    await matching.matchStream(big);
    expect(await db.query(`SELECT id, updated_at FROM matches ORDER BY id`)).toEqual(before);
    expect(await pendingCount()).toBe(0);
    await expectStoredFloorsAgree(db, K);
  });
});
