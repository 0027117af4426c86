import { createDataSource, snapshotSql } from '@symbiose/domain';
import { DataSource } from 'typeorm';
import { StreamRankFloorsTable1765120000000 } from '../../migrations/1765120000000-stream-rank-floors-table';
import { runMigrationStep } from '../support/migration-step';
import { isolatedConfig } from '../support/worker-harness';
import { createWorld, insertStream, prng } from './matching-fixtures';

/**
 * The stored floors move from stream_match_state.rank_floors into stream_rank_floors and back: every
 * stored value survives the round trip; other writers' changes to matches forget the floors of the
 * streams they touch (null, with a new sequence number) and no others; a stream's floors go with its
 * processed-state row.
 */
describe('migration: stream rank floors table', () => {
  let db: DataSource;
  const migration = new StreamRankFloorsTable1765120000000();
  const run = (step: 'up' | 'down') => runMigrationStep(db, migration, step);
  const floorsOf = (i: number) => ({ k: 2, keys: [[`s${i}`, `d${i}`, 10 - i, i, 1 + i]] });
  let ids: string[] = [];

  const tableExists = async () =>
    ((await db.query(`SELECT to_regclass('stream_rank_floors') IS NOT NULL AS e`)) as { e: boolean }[])[0].e;
  const floorsTable = async () =>
    new Map(
      (
        (await db.query(`SELECT stream_id, floors, sync_seq::bigint AS seq FROM stream_rank_floors`)) as {
          stream_id: string;
          floors: unknown;
          seq: string;
        }[]
      ).map((r) => [r.stream_id, { floors: r.floors, seq: BigInt(r.seq) }]),
    );

  beforeAll(async () => {
    const config = await isolatedConfig('rank_floors_migration');
    db = createDataSource(config);
    await db.initialize();
    await db.query(`TRUNCATE matches, stream_match_state, streams, sites, companies CASCADE`);
    const rnd = prng(9);
    const world = await createWorld(db, 2, rnd);
    ids = [];
    for (let i = 0; i < 3; i++) ids.push((await insertStream(db, world.sites[0], 'supply', rnd, 'co2')).id);
    ids.push((await insertStream(db, world.sites[1], 'demand', rnd, 'co2')).id);
    await db.query(snapshotSql('true'));
    // Stored the way the code before this migration stored them: on the processed-state row.
    await run('down');
    for (let i = 0; i < 3; i++) {
      await db.query(`UPDATE stream_match_state SET rank_floors = $2::jsonb WHERE id = $1`, [
        ids[i],
        JSON.stringify(floorsOf(i)),
      ]);
    }
  });

  afterAll(async () => {
    // Leave the database as the migrations make it, whatever happened above.
    if (!(await tableExists())) await run('up');
    await db.destroy();
  });

  it('moves every stored floors value into its own table, and back', async () => {
    await run('up');
    const moved = await floorsTable();
    expect([...moved.keys()].sort()).toEqual(ids.slice(0, 3).sort());
    for (let i = 0; i < 3; i++) expect(moved.get(ids[i])!.floors).toEqual(floorsOf(i));
    const [{ n }] = (await db.query(
      `SELECT count(*)::int AS n FROM information_schema.columns
       WHERE table_name = 'stream_match_state' AND column_name = 'rank_floors'`,
    )) as { n: number }[];
    expect(n).toBe(0);

    await run('down');
    const back = (await db.query(`SELECT id, rank_floors FROM stream_match_state ORDER BY id`)) as {
      id: string;
      rank_floors: unknown;
    }[];
    expect(back.map((r) => [r.id, r.rank_floors])).toEqual(
      [...ids].sort().map((id) => [id, ids.indexOf(id) < 3 ? floorsOf(ids.indexOf(id)) : null]),
    );
    await run('up');
  });

  it("forgets the floors of the streams another writer's matches touch, and only those", async () => {
    const before = await floorsTable();
    // A match between supply 0 and the demand, written outside the matcher.
    await db.query(
      `INSERT INTO matches (supply_stream_id, demand_stream_id, category, score, exchanged_quantity,
         exchanged_unit, distance_km, route_km, transport_mode, energy_saved_mwh, co2_avoided_t, gross_co2_t,
         deducted_co2_t, explanation, engine_version, factor_set_version)
       VALUES ($1, $2, 'co2', 1, 1, 't/yr', 1, 1, 'pipeline', 1, 1, 1, 0, '{}', 'e', 'f')`,
      [ids[0], ids[3]],
    );
    const after = await floorsTable();
    expect(after.get(ids[0])!.floors).toBeNull();
    expect(after.get(ids[0])!.seq).toBeGreaterThan(before.get(ids[0])!.seq);
    for (const i of [1, 2]) expect(after.get(ids[i])).toEqual(before.get(ids[i]));
    expect(after.has(ids[3])).toBe(false);

    await db.query(`TRUNCATE matches CASCADE`);
    const truncated = await floorsTable();
    for (const i of [1, 2]) {
      expect(truncated.get(ids[i])!.floors).toBeNull();
      expect(truncated.get(ids[i])!.seq).toBeGreaterThan(after.get(ids[i])!.seq);
    }
    // Already forgotten: left as it was.
    expect(truncated.get(ids[0])).toEqual(after.get(ids[0]));
  });

  it("drops a stream's floors with its processed-state row", async () => {
    await db.query(`UPDATE stream_rank_floors SET floors = '{"k": 2, "keys": []}'::jsonb`);
    await db.query(`DELETE FROM stream_match_state WHERE id = $1`, [ids[1]]);
    expect([...(await floorsTable()).keys()].sort()).toEqual([ids[0], ids[2]].sort());
    await db.query(`TRUNCATE stream_match_state CASCADE`);
    expect((await floorsTable()).size).toBe(0);
  });
});
