import { createDataSource } from '@symbiose/domain';
import { lockPairStreams } from '@symbiose/domain/matching/match-writer';
import { DataSource } from 'typeorm';
import { pollUntil } from '../support/api-harness';
import { isolatedConfig } from '../support/worker-harness';
import { createWorld, insertStream, MatchingWorld, prng, seededUuid } from './matching-fixtures';

/**
 * Matches reference existing streams without per-row foreign keys (migration 1765030000000): inserts
 * are checked per statement, the matcher locks its streams once, and deleting or truncating streams
 * takes their matches along.
 */
describe('matches reference existing streams', () => {
  let db: DataSource;
  let other: DataSource;
  let world: MatchingWorld;
  const rnd = prng(31);

  beforeAll(async () => {
    const config = await isolatedConfig('stream_refs');
    db = createDataSource(config);
    other = createDataSource(config);
    await Promise.all([db.initialize(), other.initialize()]);
  });
  afterAll(async () => Promise.all([db.destroy(), other.destroy()]));

  beforeEach(async () => {
    await db.query(`TRUNCATE matches, stream_match_state, streams, sites, companies CASCADE`);
    world = await createWorld(db, 3, rnd);
  });

  const insertMatch = (q: { query: DataSource['query'] }, supply: string, demand: string) =>
    q.query(
      `INSERT INTO matches (supply_stream_id, demand_stream_id, category, score, exchanged_quantity, exchanged_unit,
         distance_km, route_km, transport_mode, energy_saved_mwh, co2_avoided_t, gross_co2_t, deducted_co2_t,
         explanation, engine_version, factor_set_version)
       VALUES ($1, $2, 'co2', 1, 1, 't', 1, 1, 'pipeline', 1, 1, 1, 0, '{}', 'e', 'f')`,
      [supply, demand],
    );
  const count = async (sql = `SELECT count(*)::int AS n FROM matches`) =>
    ((await db.query(sql)) as { n: number }[])[0].n;
  const errorCode = (err: unknown) => (err as { driverError?: { code?: string } }).driverError?.code;

  it('refuses a match whose stream does not exist, and writes nothing of that statement', async () => {
    const supply = await insertStream(db, world.sites[0], 'supply', rnd, 'co2');
    const demand = await insertStream(db, world.sites[1], 'demand', rnd, 'co2');
    const ghost = seededUuid(rnd);
    const refused = await insertMatch(db, supply.id, ghost).then(
      () => 'written',
      (err: unknown) => errorCode(err),
    );
    expect(refused).toBe('23503');
    expect(await count()).toBe(0);
    await insertMatch(db, supply.id, demand.id);
    expect(await count()).toBe(1);
  });

  it('never lets a match change its streams', async () => {
    const supply = await insertStream(db, world.sites[0], 'supply', rnd, 'co2');
    const demand = await insertStream(db, world.sites[1], 'demand', rnd, 'co2');
    const demand2 = await insertStream(db, world.sites[2], 'demand', rnd, 'co2');
    await insertMatch(db, supply.id, demand.id);
    const refused = await db
      .query(`UPDATE matches SET demand_stream_id = $1`, [demand2.id])
      .then(() => 'updated', errorCode);
    expect(refused).toBe('23503');
    // Other columns change as before.
    await db.query(`UPDATE matches SET supply_interest = 'interested'`);
    const [row] = (await db.query(`SELECT demand_stream_id, supply_interest FROM matches`)) as {
      demand_stream_id: string;
      supply_interest: string;
    }[];
    expect(row).toEqual({ demand_stream_id: demand.id, supply_interest: 'interested' });
  });

  it('deletes the matches of deleted streams on either side', async () => {
    const s0 = await insertStream(db, world.sites[0], 'supply', rnd, 'co2');
    const d1 = await insertStream(db, world.sites[1], 'demand', rnd, 'co2');
    const d2 = await insertStream(db, world.sites[2], 'demand', rnd, 'co2');
    const s1 = await insertStream(db, world.sites[1], 'supply', rnd, 'co2');
    await insertMatch(db, s0.id, d1.id);
    await insertMatch(db, s0.id, d2.id);
    await insertMatch(db, s1.id, d2.id);
    await db.query(`DELETE FROM streams WHERE id = $1`, [d1.id]);
    expect(await count()).toBe(2);
    // Company 1's streams go in one statement: so does s1's match.
    await db.query(`DELETE FROM streams WHERE company_id = $1`, [world.companies[1]]);
    const left = (await db.query(`SELECT supply_stream_id, demand_stream_id FROM matches`)) as {
      supply_stream_id: string;
      demand_stream_id: string;
    }[];
    expect(left).toEqual([{ supply_stream_id: s0.id, demand_stream_id: d2.id }]);
    await db.query(`DELETE FROM streams WHERE id = $1`, [s0.id]);
    expect(await count()).toBe(0);
  });

  it('truncating streams truncates their matches, alone or listed with them', async () => {
    const supply = await insertStream(db, world.sites[0], 'supply', rnd, 'co2');
    const demand = await insertStream(db, world.sites[1], 'demand', rnd, 'co2');
    await insertMatch(db, supply.id, demand.id);
    await db.query(`TRUNCATE streams CASCADE`);
    expect(await count()).toBe(0);
    const s2 = await insertStream(db, world.sites[0], 'supply', rnd, 'co2');
    const d2 = await insertStream(db, world.sites[1], 'demand', rnd, 'co2');
    await insertMatch(db, s2.id, d2.id);
    await db.query(`TRUNCATE matches, streams CASCADE`);
    expect(await count()).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM streams`)).toBe(0);
    // Through the companies, with a table that references matches already in the cascade (notifications).
    world = await createWorld(db, 2, rnd);
    const s3 = await insertStream(db, world.sites[0], 'supply', rnd, 'co2');
    const d3 = await insertStream(db, world.sites[1], 'demand', rnd, 'co2');
    await insertMatch(db, s3.id, d3.id);
    await db.query(`TRUNCATE companies CASCADE`);
    expect(await count()).toBe(0);
  });

  it("the matcher's lock keeps its streams until it commits; a stream gone before the lock fails the write", async () => {
    const supply = await insertStream(db, world.sites[0], 'supply', rnd, 'co2');
    const demand = await insertStream(db, world.sites[1], 'demand', rnd, 'co2');
    const gone = await insertStream(db, world.sites[2], 'demand', rnd, 'co2');
    await db.query(`DELETE FROM streams WHERE id = $1`, [gone.id]);
    await expect(db.transaction((m) => lockPairStreams(m, [supply.id, gone.id]))).rejects.toThrow(
      /1 of the streams to match no longer exist/,
    );

    const order: string[] = [];
    let deletion: Promise<unknown> | undefined;
    await db.transaction(async (m) => {
      await m.query(`SELECT set_config('symbiose.matcher_writes', 'on', true)`);
      await lockPairStreams(m, [supply.id, demand.id, demand.id]);
      // Another session deletes the demand: it has to wait for the matcher's commit.
      deletion = other
        .query(`DELETE FROM streams WHERE id = $1`, [demand.id])
        .then(() => order.push('deleted'));
      const waiting = await pollUntil(
        async () => {
          const [{ n }] = (await db.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM streams%'`,
          )) as { n: number }[];
          return n;
        },
        { timeoutMs: 5000, intervalMs: 20, what: 'the deletion to wait on the lock' },
      );
      order.push(`waiting ${waiting}`);
      await insertMatch(m, supply.id, demand.id);
      order.push('matched');
    });
    await deletion;
    // The deletion ran after the commit and took the new match with its stream.
    expect(order).toEqual(['waiting 1', 'matched', 'deleted']);
    expect(await count()).toBe(0);
  });
});
