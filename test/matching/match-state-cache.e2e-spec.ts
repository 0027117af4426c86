import {
  CandidateTable,
  ceilingFactsOf,
  createDataSource,
  MatchingService,
  MatchStateCache,
  snapshotAllSql,
  snapshotSql,
  type MatchableStream,
  storedRank,
} from '@symbiose/domain';
import { DataSource, EntityManager } from 'typeorm';
import { isolatedConfig } from '../support/worker-harness';
import { changeStream, createWorld, insertStream, MatchingWorld, prng } from './matching-fixtures';

/**
 * The worker's in-memory copy of the processed state must equal the table at every sync: new and
 * changed rows arrive by sequence number, deletions force a reload, and a rolled-back transaction's
 * reads are dropped by `invalidate`.
 */
describe('MatchStateCache', () => {
  let db: DataSource;
  let world: MatchingWorld;
  let sql: MatchingService;
  const cache = new MatchStateCache();

  const ids = (list: MatchableStream[]) => list.map((s) => s.id).sort();
  // One table every lookup below is also made into, as the worker's jobs share one.
  const scratch = new CandidateTable(2);

  /** Every stream's candidates from the cache equal the SQL box query's (heat, CO2, H2: one partition each). */
  async function expectSameAsTable(): Promise<number> {
    const rows: { id: string }[] = await db.query(
      `SELECT id FROM stream_match_state WHERE status = 'active'`,
    );
    for (const { id } of rows) {
      const s = cache.get(id);
      expect(s).toBeDefined();
      expect(ids(cache.candidatesOf(s!))).toEqual(ids(await sql.loadCandidates(db, s!)));
      // The grid cells keep each stream's numbers in a row beside it, and a removal moves the cell's
      // last row into the gap: every row must still describe its own stream.
      const table = cache.candidateTableOf(s!);
      for (let i = 0; i < table.length; i++) {
        const row = i * CandidateTable.STRIDE;
        const c = table.streams[i];
        expect([
          table.data[row + CandidateTable.LATITUDE],
          table.data[row + CandidateTable.LONGITUDE],
          table.data[row + CandidateTable.QUANTITY],
          table.data[row + CandidateTable.PER_UNIT],
        ]).toEqual([c.site.latitude, c.site.longitude, c.annualQuantity, ceilingFactsOf(c).perUnit]);
      }
      // Filled again after other streams' lookups (larger or smaller), the reused table holds the same.
      const reused = cache.candidateTableOf(s!, scratch);
      expect(reused).toBe(scratch);
      expect(reused.length).toBe(table.length);
      expect(reused.streams).toEqual(table.streams);
      expect(reused.data.subarray(0, reused.length * CandidateTable.STRIDE)).toEqual(
        table.data.subarray(0, table.length * CandidateTable.STRIDE),
      );
    }
    expect(cache.size).toBe(Number((await db.query(`SELECT count(*) AS n FROM stream_match_state`))[0].n));
    return rows.length;
  }

  /** The full re-match's snapshot of every stream (snapshotSql of one stream is the incremental job's). */
  const snapshotAll = () =>
    db.transaction(async (m) => {
      for (const sql of snapshotAllSql()) await m.query(sql);
    });

  beforeAll(async () => {
    const config = await isolatedConfig('state_cache');
    db = createDataSource(config);
    await db.initialize();
    await db.query(`TRUNCATE matches, stream_match_state, streams, sites, companies CASCADE`);
    world = await createWorld(db, 6, prng(31));
    sql = new MatchingService(db, config, new MatchStateCache());
  });
  afterAll(async () => db.destroy());

  it('loads, then applies only the rows written since, and stays equal to the table', async () => {
    const rnd = prng(32);
    const streams = [];
    for (let i = 0; i < 24; i++) {
      const site = world.sites[i % world.sites.length];
      streams.push(await insertStream(db, site, i % 2 === 0 ? 'supply' : 'demand', rnd));
    }
    await snapshotAll();
    expect(await db.transaction((m) => cache.sync(m))).toBe(24);
    expect(await expectSameAsTable()).toBe(24);

    // Nothing changed: nothing applied (the snapshot skips identical rows, so no sequence moves).
    await snapshotAll();
    expect(await db.transaction((m) => cache.sync(m))).toBe(0);

    // Two changed streams, one moved to another site: exactly those two rows arrive.
    await changeStream(db, streams[0].id, rnd);
    const far = world.sites[3];
    await db.query(
      `UPDATE streams SET latitude = $2 + 0.5, longitude = $3, version = version + 1 WHERE id = $1`,
      [streams[1].id, far.lat, far.lon],
    );
    await snapshotAll();
    expect(await db.transaction((m) => cache.sync(m))).toBe(2);
    expect(cache.get(streams[1].id)!.site.latitude).toBeCloseTo(far.lat + 0.5, 9);
    await expectSameAsTable();

    // A pause takes the stream out of every candidate list.
    await db.query(`UPDATE streams SET status = 'paused', version = version + 1 WHERE id = $1`, [
      streams[2].id,
    ]);
    await snapshotAll();
    expect(await db.transaction((m) => cache.sync(m))).toBe(1);
    const demand = cache.get(streams[3].id)!;
    expect(ids(cache.candidatesOf(demand))).not.toContain(streams[2].id);
    await expectSameAsTable();

    // Streams leaving cells they share with others (six sites for 24 streams), then every stream that
    // is left changing: a removal moves the cell's last row into the gap, and the moved stream must
    // still be found at its new row when it changes in turn.
    for (const i of [4, 6, 10, 5]) {
      await db.query(`UPDATE streams SET status = 'paused', version = version + 1 WHERE id = $1`, [
        streams[i].id,
      ]);
    }
    await snapshotAll();
    expect(await db.transaction((m) => cache.sync(m))).toBe(4);
    await expectSameAsTable();
    for (let i = 7; i < streams.length; i++) if (i !== 10) await changeStream(db, streams[i].id, rnd);
    await db.query(`UPDATE streams SET status = 'active', version = version + 1 WHERE id = $1`, [
      streams[6].id,
    ]);
    await snapshotAll();
    expect(await db.transaction((m) => cache.sync(m))).toBe(17);
    await expectSameAsTable();
  });

  it('reloads after rows are deleted', async () => {
    const [victim] = (await db.query(`SELECT id FROM stream_match_state ORDER BY id LIMIT 1`)) as {
      id: string;
    }[];
    await db.query(`DELETE FROM streams WHERE id = $1`, [victim.id]);
    const total = Number((await db.query(`SELECT count(*) AS n FROM stream_match_state`))[0].n);
    expect(await db.transaction((m) => cache.sync(m))).toBe(total);
    expect(cache.get(victim.id)).toBeUndefined();
    await expectSameAsTable();
  });

  it('after invalidate, a rolled-back transaction leaves no trace', async () => {
    const [row] = (await db.query(
      `SELECT id, annual_quantity FROM stream_match_state WHERE status = 'active' ORDER BY id LIMIT 1`,
    )) as { id: string; annual_quantity: number }[];
    await expect(
      db.transaction(async (m) => {
        await m.query(`UPDATE streams SET annual_quantity = 1, version = version + 1 WHERE id = $1`, [
          row.id,
        ]);
        await m.query(snapshotSql('id = $1'), [row.id]);
        expect(await cache.sync(m)).toBe(1);
        expect(cache.get(row.id)!.annualQuantity).toBe(1);
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
    cache.invalidate();
    await db.transaction((m) => cache.sync(m));
    expect(cache.get(row.id)!.annualQuantity).toBe(row.annual_quantity);
    await expectSameAsTable();
  });

  it('takes floors it wrote without reading them back, and syncs instead when other rows changed too', async () => {
    const rows = (await db.query(
      `SELECT id FROM stream_match_state WHERE status = 'active' ORDER BY id LIMIT 4`,
    )) as { id: string }[];
    const key = (n: number) => [rows[0].id, rows[1].id, 100 - n, n, 10 + n];
    const floorsJson = (id: string, n: number) =>
      JSON.stringify({ k: 2, keys: id === rows[3].id ? [] : [key(n), key(n + 1)] });
    await db.transaction((m) => cache.sync(m));

    /**
     * Writes floors as a full re-match does (returning the rows changed), then hands them to the cache;
     * `given` counts the floors the cache took as written rather than read.
     */
    let given = 0;
    const write = (m: EntityManager, ids: string[], n: number) =>
      m
        .query(
          `INSERT INTO stream_rank_floors AS t (stream_id, floors)
           SELECT u.id, u.floors::jsonb FROM unnest($1::uuid[], $2::text[]) AS u(id, floors)
           ON CONFLICT (stream_id) DO UPDATE SET floors = EXCLUDED.floors,
             sync_seq = nextval('stream_match_state_sync_seq')
           RETURNING t.stream_id AS id, t.sync_seq::text AS seq`,
          [ids, ids.map((id) => floorsJson(id, n))],
        )
        .then((written: { id: string; seq: string }[]) =>
          cache.takeWrittenFloors(m, written, (id) => {
            given++;
            return floorsJson(id, n);
          }),
        );
    const ids = rows.map((r) => r.id);
    expect(await db.transaction((m) => write(m, ids, 1))).toBe(4);
    expect(given).toBe(4);
    expect(cache.floorsOf(ids[0])).toEqual({
      k: 2,
      keys: [
        { supplyId: ids[0], demandId: ids[1], score: 99, energy: 1, routeKm: 11 },
        { supplyId: ids[0], demandId: ids[1], score: 98, energy: 2, routeKm: 12 },
      ],
    });
    // Nothing left to read: the sequence moved past the rows taken.
    expect(await db.transaction((m) => cache.sync(m))).toBe(0);
    await expectFloorsAsStored();

    // Another stream changed as well: everything since the last sync is read instead.
    const other = (await db.query(
      `SELECT id FROM stream_match_state WHERE status = 'active' ORDER BY id DESC LIMIT 1`,
    )) as { id: string }[];
    await changeStream(db, other[0].id, prng(33));
    await db.query(snapshotSql('id = $1'), [other[0].id]);
    given = 0;
    expect(await db.transaction((m) => write(m, ids.slice(0, 2), 2))).toBe(3);
    expect(given).toBe(0);
    expect(cache.floorsOf(ids[0])!.keys[0].score).toBe(98);
    await expectFloorsAsStored();
  });

  /** Every stream's floors, and the K-th best its grid row keeps, as the table has them now. */
  async function expectFloorsAsStored(): Promise<void> {
    const fresh = new MatchStateCache();
    await db.transaction((m) => fresh.sync(m));
    const rows = (await db.query(`SELECT id, status FROM stream_match_state`)) as {
      id: string;
      status: string;
    }[];
    let checked = 0;
    for (const { id, status } of rows) {
      expect(cache.floorsOf(id)).toEqual(fresh.floorsOf(id));
      if (status !== 'active') continue;
      // The stream's own grid row, as a counterpart's scan finds it.
      const s = cache.get(id)!;
      const scanner: MatchableStream = {
        ...s,
        direction: s.direction === 'supply' ? 'demand' : 'supply',
        companyId: 'nobody',
      };
      const seen = [cache.candidateTableOf(scanner), fresh.candidateTableOf(scanner)].map((table) => {
        const i = table.streams.findIndex((c) => c.id === id);
        expect(i).toBeGreaterThanOrEqual(0);
        const r = i * CandidateTable.STRIDE;
        return [
          table.data[r + CandidateTable.FLOORS_K],
          table.data[r + CandidateTable.KTH_BEST],
          table.data[r + CandidateTable.KTH_ENERGY],
          table.data[r + CandidateTable.KTH_ROUTE],
        ];
      });
      expect(seen[0]).toEqual(seen[1]);
      // The stored K-th best pair's score, energy and route (none: -Infinity, -Infinity, Infinity).
      const floors = fresh.floorsOf(id);
      const kth = floors ? storedRank(floors, floors.k - 1) : undefined;
      expect(seen[1]).toEqual(
        kth
          ? [floors!.k, kth.score, kth.energy, kth.routeKm]
          : [floors?.k ?? 0, -Infinity, -Infinity, Infinity],
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  }

  it('exclusive runs callers one at a time, in order, even when one fails', async () => {
    const order: string[] = [];
    const slow = cache.exclusive(async () => {
      order.push('a:start');
      await new Promise((r) => setImmediate(r));
      order.push('a:end');
      throw new Error('a failed');
    });
    const next = cache.exclusive(async () => {
      order.push('b');
      return 42;
    });
    await expect(slow).rejects.toThrow('a failed');
    expect(await next).toBe(42);
    expect(order).toEqual(['a:start', 'a:end', 'b']);
  });
});
