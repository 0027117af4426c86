import {
  createDataSource,
  scorePairOf,
  STREAM_COLUMNS,
  toMatchable,
  type ScoredPair,
  type StreamRow,
} from '@symbiose/domain';
import {
  beginMatcherWrites,
  insertNewPairs,
  storedPairPositions,
  upsertPairs,
} from '@symbiose/domain/matching/match-writer';
import { DataSource, EntityManager } from 'typeorm';
import { isolatedConfig } from '../support/worker-harness';
import { createWorld, insertStream, prng, watchConnection } from './matching-fixtures';

/**
 * The matcher's two set-based writers: upsertPairs (any store) and insertNewPairs (a full re-match into
 * an empty store, without the conflict check) write the same rows; insertNewPairs never overwrites one.
 */
describe('match writers', () => {
  let db: DataSource;
  let pairs: ScoredPair[];
  const rnd = prng(47);

  beforeAll(async () => {
    const config = await isolatedConfig('match_writer');
    db = createDataSource(config);
    await db.initialize();
    await db.query(`TRUNCATE matches, stream_match_state, streams, sites, companies CASCADE`);
    const world = await createWorld(db, 6, rnd);
    for (let i = 0; i < 24; i++) {
      const category = (['heat', 'co2', 'hydrogen'] as const)[i % 3];
      await insertStream(db, world.sites[i % 6], i % 2 === 0 ? 'supply' : 'demand', rnd, category);
    }
    const streams = ((await db.query(`SELECT ${STREAM_COLUMNS} FROM streams`)) as StreamRow[]).map(
      toMatchable,
    );
    pairs = [];
    for (const s of streams.filter((x) => x.direction === 'supply')) {
      for (const d of streams.filter((x) => x.direction === 'demand')) {
        if (s.companyId === d.companyId) continue;
        const p = scorePairOf(s, d);
        if (p) pairs.push(p);
      }
    }
  });
  afterAll(async () => db.destroy());
  beforeEach(async () => db.query(`TRUNCATE matches, match_proposal_outbox CASCADE`));

  /** As the matcher writes: under the matching lock, with its settings. */
  const asMatcher = <T>(fn: (m: EntityManager) => Promise<T>) =>
    db.transaction(async (m) => {
      await beginMatcherWrites(m);
      return fn(m);
    });
  const stored = async () =>
    (await db.query(
      `SELECT supply_stream_id, demand_stream_id, category, status, qualifies, stale, score, exchanged_quantity,
         exchanged_unit, distance_km, route_km, transport_mode, energy_saved_mwh, co2_avoided_t, gross_co2_t,
         deducted_co2_t, flag_mask, explanation, engine_version, factor_set_version, version
       FROM matches ORDER BY supply_stream_id, demand_stream_id`,
    )) as Record<string, unknown>[];

  it('writes the rows upsertPairs writes into an empty store', async () => {
    expect(pairs.length).toBeGreaterThan(5);
    expect(await asMatcher((m) => insertNewPairs(m, pairs))).toBe(pairs.length);
    const inserted = await stored();
    await db.query(`TRUNCATE matches CASCADE`);
    expect(await asMatcher((m) => upsertPairs(m, pairs))).toBe(pairs.length);
    const upserted = await stored();
    expect(inserted).toHaveLength(pairs.length);
    expect(inserted).toEqual(upserted);
    expect(inserted[0]).toMatchObject({ status: 'proposed', qualifies: true, stale: false, version: 1 });
    // Both queued the new proposals for the officers' digests.
    const [{ queued }] = (await db.query(
      `SELECT coalesce(sum(cardinality(match_ids)), 0)::int AS queued FROM match_proposal_outbox`,
    )) as { queued: number }[];
    expect(queued).toBe(2 * pairs.length);
    // Writing the same estimates again changes nothing.
    expect(await asMatcher((m) => upsertPairs(m, pairs))).toBe(0);
  });

  it('inserts the new pairs and updates the stored ones of one call, like a single upsert would', async () => {
    const half = Math.floor(pairs.length / 2);
    await asMatcher((m) => upsertPairs(m, pairs.slice(0, half)));
    // Stored rows in every state the update must handle: one acted on, one expired, one untouched.
    const [acted, expired] = pairs;
    await db.query(
      `UPDATE matches SET supply_interest = 'interested' WHERE supply_stream_id = $1 AND demand_stream_id = $2`,
      [acted.supplyId, acted.demandId],
    );
    await db.query(
      `UPDATE matches SET status = 'expired', qualifies = false WHERE supply_stream_id = $1 AND demand_stream_id = $2`,
      [expired.supplyId, expired.demandId],
    );
    const ids = (await db.query(`SELECT id FROM matches ORDER BY supply_stream_id, demand_stream_id`)) as {
      id: string;
    }[];
    // New estimates for every pair, the stored half and the new half in one call.
    const rescored = pairs.map((p) => ({ ...p, score: p.score + 1 }));
    expect(await asMatcher((m) => upsertPairs(m, rescored))).toBe(pairs.length);
    const rows = (await db.query(
      `SELECT id, supply_stream_id, demand_stream_id, score, status, qualifies, stale, version, supply_interest
       FROM matches ORDER BY supply_stream_id, demand_stream_id`,
    )) as {
      id: string;
      supply_stream_id: string;
      demand_stream_id: string;
      score: number;
      status: string;
      qualifies: boolean;
      stale: boolean;
      version: number;
    }[];
    expect(rows).toHaveLength(pairs.length);
    const byPair = new Map(rows.map((r) => [`${r.supply_stream_id}|${r.demand_stream_id}`, r]));
    for (const p of rescored) expect(byPair.get(`${p.supplyId}|${p.demandId}`)?.score).toBe(p.score);
    // Stored rows kept their ids; the acted-on one is flagged stale, the expired one is proposed again.
    expect(rows.filter((r) => ids.some((x) => x.id === r.id))).toHaveLength(half);
    expect(byPair.get(`${acted.supplyId}|${acted.demandId}`)).toMatchObject({
      stale: true,
      status: 'proposed',
    });
    expect(byPair.get(`${expired.supplyId}|${expired.demandId}`)).toMatchObject({
      status: 'proposed',
      qualifies: true,
      stale: false,
      version: 2,
    });
    expect(rows.filter((r) => r.stale)).toHaveLength(1);
  });

  it('writes a call as several statements sent one after the other, counting every row once', async () => {
    expect(pairs.length).toBeGreaterThan(6);
    const half = Math.floor(pairs.length / 2);
    // Two rows per statement: the first half inserted, then the whole set upserted (new and stored rows).
    const watched = (fn: (m: EntityManager) => Promise<number>) =>
      asMatcher(async (m) => {
        const connection = watchConnection(m);
        try {
          return { written: await fn(m), queries: connection.queries, overlapping: connection.overlapping };
        } finally {
          connection.stop();
        }
      });
    const inserted = await watched((m) => insertNewPairs(m, pairs.slice(0, half), 2));
    expect(inserted.written).toBe(half);
    const rescored = pairs.map((p) => ({ ...p, score: p.score + 1 }));
    const upserted = await watched((m) => upsertPairs(m, rescored, 2));
    expect(upserted.written).toBe(pairs.length);
    // Each statement was handed to the connection once the one before had finished (pg@9 refuses
    // a query while another runs).
    expect(inserted.queries).toBeGreaterThanOrEqual(Math.ceil(half / 2));
    expect(upserted.queries).toBeGreaterThanOrEqual(Math.ceil(pairs.length / 2));
    expect([inserted.overlapping, upserted.overlapping]).toEqual([0, 0]);
    const rows = (await db.query(`SELECT supply_stream_id, demand_stream_id, score FROM matches`)) as {
      supply_stream_id: string;
      demand_stream_id: string;
      score: number;
    }[];
    expect(new Map(rows.map((r) => [`${r.supply_stream_id}|${r.demand_stream_id}`, r.score]))).toEqual(
      new Map(rescored.map((p) => [`${p.supplyId}|${p.demandId}`, p.score])),
    );
    // A statement that fails after others were sent fails the call with its own error, and the
    // transaction keeps nothing (into an empty store, the duplicate is in the last statement).
    await db.query(`TRUNCATE matches CASCADE`);
    const refused = await asMatcher((m) => insertNewPairs(m, [...pairs, pairs[0]], 2)).then(
      () => 'written',
      (err: unknown) => (err as { driverError?: { code?: string } }).driverError?.code,
    );
    expect(refused).toBe('23505');
    expect(await db.query(`SELECT count(*)::int AS n FROM matches`)).toEqual([{ n: 0 }]);
  });

  it('finds the stored pairs by listing whole streams or by probing each pair, alike', async () => {
    // Every other pair stored, in one call: listing streams (1 pair per stream is enough) and per-pair probes.
    await asMatcher((m) =>
      upsertPairs(
        m,
        pairs.filter((_, i) => i % 2 === 0),
      ),
    );
    const expected = new Set(pairs.map((_, i) => i).filter((i) => i % 2 === 0));
    const listed = await db.transaction((m) => storedPairPositions(m, pairs, 1));
    const probed = await db.transaction((m) => storedPairPositions(m, pairs, Infinity));
    expect(listed).toEqual(expected);
    expect(probed).toEqual(expected);
    // One supply's pairs: its listing holds only its own rows, whatever else is stored.
    const supplyId = pairs[0].supplyId;
    const ofSupply = pairs.filter((p) => p.supplyId === supplyId);
    const upper = ofSupply.map((p) => ({ ...p, demandId: p.demandId.toUpperCase() }));
    const positions = await db.transaction((m) => storedPairPositions(m, upper, 1));
    expect(positions).toEqual(
      new Set(ofSupply.map((p, i) => (expected.has(pairs.indexOf(p)) ? i : -1)).filter((i) => i >= 0)),
    );
    expect(positions.size).toBeGreaterThan(0);
  });

  it('refuses a pair that already has a row and writes nothing of that statement', async () => {
    await asMatcher((m) => upsertPairs(m, pairs.slice(0, 1)));
    await db.query(`UPDATE matches SET supply_interest = 'interested'`);
    const refused = await asMatcher((m) => insertNewPairs(m, pairs)).then(
      () => 'written',
      (err: unknown) => (err as { driverError?: { code?: string } }).driverError?.code,
    );
    expect(refused).toBe('23505');
    const rows = await db.query(`SELECT supply_interest FROM matches`);
    expect(rows).toEqual([{ supply_interest: 'interested' }]);
  });
});
