import { AppConfig } from '@symbiose/core';
import { createDataSource, MATCHING_LOCK_ID, MatchingService, MatchStateCache } from '@symbiose/domain';
import { beginMatcherWrites } from '@symbiose/domain/matching/match-writer';
import { DataSource } from 'typeorm';
import { pollUntil } from '../support/api-harness';
import { isolatedConfig } from '../support/worker-harness';
import { createWorld, insertStream, MatchingWorld, prng, seededUuid } from './matching-fixtures';

/**
 * Matches reference existing streams without per-row foreign keys (migration 1765030000000): inserts
 * are checked per statement, a deletion of streams waits for the matching lock (migration
 * 1765100000000), so the matcher needs no check, and deleting or truncating streams takes their matches
 * along.
 */
describe('matches reference existing streams', () => {
  let db: DataSource;
  let other: DataSource;
  let world: MatchingWorld;
  let config: AppConfig;
  const rnd = prng(31);

  beforeAll(async () => {
    config = await isolatedConfig('stream_refs');
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

  /** Sessions waiting for the matching lock (an advisory lock) with a statement that starts so. */
  const waitingForMatching = (statement: string) =>
    pollUntil(
      async () => {
        const [{ n }] = (await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' AND query LIKE $1`,
          [`${statement}%`],
        )) as { n: number }[];
        return n;
      },
      { timeoutMs: 5000, intervalMs: 20, what: `${statement} to wait for the matching lock` },
    );

  it("a deletion of streams waits for the matcher's commit, and takes the matches it wrote along", async () => {
    const supply = await insertStream(db, world.sites[0], 'supply', rnd, 'co2');
    const demand = await insertStream(db, world.sites[1], 'demand', rnd, 'co2');
    const order: string[] = [];
    let deletion: Promise<unknown> | undefined;
    await db.transaction(async (m) => {
      await beginMatcherWrites(m);
      deletion = other
        .query(`DELETE FROM streams WHERE id = $1`, [demand.id])
        .then(() => order.push('deleted'));
      order.push(`waiting ${await waitingForMatching('DELETE FROM streams')}`);
      await insertMatch(m, supply.id, demand.id);
      order.push('matched');
    });
    await deletion;
    expect(order).toEqual(['waiting 1', 'matched', 'deleted']);
    expect(await count()).toBe(0);
  });

  it('a matching job that starts during a deletion waits for its commit and pairs nothing with the deleted stream', async () => {
    const matcher = new MatchingService(db, config, new MatchStateCache());
    const streams = [];
    for (let i = 0; i < 4; i++) streams.push(await insertStream(db, world.sites[0], 'supply', rnd, 'co2'));
    for (let i = 0; i < 4; i++) streams.push(await insertStream(db, world.sites[1], 'demand', rnd, 'co2'));
    for (const s of streams) await matcher.matchStream(s.id);
    // A supply with a match, and that match's demand.
    const [pair] = (await db.query(
      `SELECT supply_stream_id AS supply, demand_stream_id AS demand FROM matches ORDER BY score DESC LIMIT 1`,
    )) as { supply: string; demand: string }[];
    expect(pair).toBeDefined();
    // The supply changes, and its demand is being deleted when its job starts.
    await db.query(
      `UPDATE streams SET version = version + 1, annual_quantity = annual_quantity + 1 WHERE id = $1`,
      [pair.supply],
    );
    const runner = other.createQueryRunner();
    await runner.startTransaction();
    let job: Promise<unknown> | undefined;
    try {
      await runner.query(`DELETE FROM streams WHERE id = $1`, [pair.demand]);
      job = matcher.matchStream(pair.supply);
      expect(await waitingForMatching('SELECT pg_advisory_xact_lock')).toBe(1);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    await job;
    expect(
      await count(`SELECT count(*)::int AS n FROM matches WHERE demand_stream_id = '${pair.demand}'`),
    ).toBe(0);
    expect(
      await count(
        `SELECT count(*)::int AS n FROM matches m
         WHERE NOT EXISTS (SELECT 1 FROM streams s WHERE s.id = m.supply_stream_id)
            OR NOT EXISTS (SELECT 1 FROM streams s WHERE s.id = m.demand_stream_id)`,
      ),
    ).toBe(0);
    // The job did run: the supply is matched at its new version.
    const [{ matched }] = (await db.query(
      `SELECT matched_version = version AS matched FROM streams WHERE id = $1`,
      [pair.supply],
    )) as { matched: boolean }[];
    expect(matched).toBe(true);
  });

  it('the deletion trigger takes the lock the matcher takes', async () => {
    const [{ src }] = (await db.query(
      `SELECT prosrc AS src FROM pg_proc WHERE proname = 'wait_for_matching'`,
    )) as {
      src: string;
    }[];
    expect(src).toContain(`pg_advisory_xact_lock(${MATCHING_LOCK_ID})`);
  });
});
