import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobName, JobQueue } from '@symbiose/core';
import { MatchingService, pairKey, ScoredPair } from '@symbiose/domain';
import { MatchTableRebuild, validateMatchesReferences } from '@symbiose/domain/matching/match-table-rebuild';
import { PIPELINED_STATEMENT_ROWS } from '@symbiose/domain/matching/match-writer';
import { CURRENT_FACTOR_SET, ENGINE_VERSION, flagsFromMask } from '@symbiose/engine';
import { newPairsCopy } from '@symbiose/domain/matching/pair-columns';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createUsers } from '../factories/identity.factories';
import { pollUntil } from '../support/api-harness';
import { isolatedConfig, obliterateQueues, startWorker } from '../support/worker-harness';
import {
  createWorld,
  expectStoredFloorsAgree,
  fromScratch,
  insertStream,
  prng,
  storedProposed,
  watchConnection,
} from './matching-fixtures';

/** A CO2 pair as the matcher would hand it to the writer (gross one above the score). */
function co2Pair(supplyId: string, demandId: string, score: number, flags: string[] = []): ScoredPair {
  return {
    supplyId,
    demandId,
    category: 'co2',
    score,
    energy: 0,
    routeKm: 5,
    distanceKm: 4,
    exchanged: 100,
    exchangedUnit: 't/yr',
    mode: 'pipeline',
    gross: score + 1,
    deducted: 1,
    flags,
  };
}

/**
 * A full re-match writes the matches table anew and swaps it in (MatchTableRebuild): the stored rows
 * must come out as the upserts, expiries and deletions they replace left them, and the table must keep
 * every index, constraint, trigger and incoming foreign key.
 */
describe('full re-match rebuilds the matches table', () => {
  const K = 2;
  let config: AppConfig;
  let worker: INestApplicationContext;
  let db: DataSource;
  let matching: MatchingService;

  beforeAll(async () => {
    config = await isolatedConfig('table_rebuild', { MATCH_TOP_K: String(K), SWEEP_INTERVAL_MS: '3600000' });
    worker = await startWorker(config);
    db = worker.get(DataSource);
    matching = worker.get(MatchingService);
    await obliterateQueues(worker.get(JobQueue));
    // A run of this spec that was stopped halfway may have left a reference unchecked.
    await validateMatchesReferences(db);
    await db.query(`TRUNCATE matches, stream_match_state, streams, sites, companies CASCADE`);
    const rnd = prng(31);
    const world = await createWorld(db, 5, rnd);
    for (let i = 0; i < 14; i++) {
      await insertStream(db, world.sites[i % 5], i % 2 === 0 ? 'supply' : 'demand', rnd, 'co2');
    }
    // Pure enough CO2 for every need: every pair of two companies qualifies.
    await db.query(`UPDATE streams SET quality = CASE direction WHEN 'supply' THEN '{"purityPct": 99.9}'::jsonb
      ELSE '{"purityPct": 95}'::jsonb END`);
  });
  afterAll(async () => worker.close());

  /** Indexes, constraints, triggers and incoming foreign keys of matches, as the catalog defines them. */
  async function catalog(): Promise<string[]> {
    const rows = (await db.query(
      `SELECT 'index ' || c.relname || ': ' || pg_get_indexdef(i.indexrelid) AS d
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'matches'::regclass
       UNION ALL SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(oid)
         FROM pg_constraint WHERE conrelid = 'matches'::regclass
       UNION ALL SELECT 'trigger ' || tgname || ' ' || tgenabled::text || ': ' || pg_get_triggerdef(oid)
         FROM pg_trigger WHERE tgrelid = 'matches'::regclass AND NOT tgisinternal
       UNION ALL SELECT 'reference ' || conrelid::regclass::text || '.' || conname || ': ' || pg_get_constraintdef(oid)
         FROM pg_constraint WHERE confrelid = 'matches'::regclass
       UNION ALL SELECT 'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' default '
           || coalesce(pg_get_expr(d.adbin, d.adrelid), 'none')
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE a.attrelid = 'matches'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY 1`,
    )) as { d: string }[];
    return rows.map((r) => r.d);
  }

  /** Ids of the rows that are not proposals, read through matches_status_idx alone (sorted). */
  async function actedOnThroughStatusIndex(): Promise<string[]> {
    return db.transaction(async (m) => {
      await m.query(`SET LOCAL enable_seqscan = off`);
      await m.query(`SET LOCAL enable_bitmapscan = off`);
      const sql = `SELECT id FROM matches WHERE status <> 'proposed' ORDER BY status, score DESC, energy_saved_mwh DESC`;
      const plan = JSON.stringify(await m.query(`EXPLAIN (FORMAT JSON) ${sql}`));
      expect(plan).toContain('matches_status_idx');
      const rows = (await m.query(sql)) as { id: string }[];
      return rows.map((r) => r.id).sort();
    });
  }

  /** The stored proposed matches that qualify, pair key → score. */
  async function qualifyingProposed(): Promise<Map<string, number>> {
    const rows = (await db.query(
      `SELECT supply_stream_id, demand_stream_id, score FROM matches WHERE status = 'proposed' AND qualifies`,
    )) as { supply_stream_id: string; demand_stream_id: string; score: number }[];
    return new Map(rows.map((r) => [pairKey(r.supply_stream_id, r.demand_stream_id), r.score]));
  }

  async function matchRow(id: string) {
    const [row] = (await db.query(
      `SELECT id, status, qualifies, stale, version, supply_interest, score FROM matches WHERE id = $1`,
      [id],
    )) as {
      id: string;
      status: string;
      qualifies: boolean;
      stale: boolean;
      version: number;
      supply_interest: string | null;
      score: number;
    }[];
    return row;
  }

  it('into an empty store, then over a store with acted-on, outdated and extra rows', async () => {
    const before = await catalog();
    expect(before.length).toBeGreaterThan(10);
    // The run's constant columns have no default outside a run (see runConstantDefaultsSql).
    expect(before).toContain('column engine_version text default none');
    const first = await matching.fullRematch();
    expect(first.written).toBeGreaterThan(0);
    expect(await storedProposed(db)).toEqual(await fromScratch(db, K));
    expect(await catalog()).toEqual(before);

    // Pairs of two companies that no stream keeps in its top K.
    const spare = (await db.query(
      `SELECT s.id AS supply, d.id AS demand FROM streams s JOIN streams d
         ON s.direction = 'supply' AND d.direction = 'demand' AND s.company_id <> d.company_id
       WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.supply_stream_id = s.id AND m.demand_stream_id = d.id)
       ORDER BY 1, 2 LIMIT 2`,
    )) as { supply: string; demand: string }[];
    expect(spare).toHaveLength(2);
    const insert = async (pair: { supply: string; demand: string }, status: string) => {
      const [row] = (await db.query(
        `INSERT INTO matches (supply_stream_id, demand_stream_id, category, status, score, exchanged_quantity,
           exchanged_unit, distance_km, route_km, transport_mode, energy_saved_mwh, co2_avoided_t, gross_co2_t,
           deducted_co2_t, explanation, engine_version, factor_set_version)
         VALUES ($1, $2, 'co2', $3, 1, 1, 't', 1, 1, 'pipeline', 1, 1, 1, 0, '{}', 'engine-0', 'factors-0')
         RETURNING id`,
        [pair.supply, pair.demand, status],
      )) as { id: string }[];
      await db.query(`INSERT INTO match_events (match_id, action, to_status) VALUES ($1, 'test', $2)`, [
        row.id,
        status,
      ]);
      return row.id;
    };
    // An approved pair outside every top K: kept with its id, status and events, re-scored.
    const approved = await insert(spare[0], 'approved');
    // An untouched proposal outside every top K: deleted, and its events with it (ON DELETE CASCADE).
    const extra = await insert(spare[1], 'proposed');

    // A supply withdrawn: its untouched proposals expire, the one a party acted on is flagged stale.
    const [withdrawn] = (await db.query(
      `SELECT supply_stream_id AS id FROM matches WHERE status = 'proposed' AND supply_stream_id <> ALL($1::uuid[])
       GROUP BY 1 HAVING count(*) = 2 ORDER BY 1 LIMIT 1`,
      [spare.map((p) => p.supply)],
    )) as { id: string }[];
    const [untouched, interested] = (
      (await db.query(`SELECT id FROM matches WHERE supply_stream_id = $1 ORDER BY id`, [withdrawn.id])) as {
        id: string;
      }[]
    ).map((r) => r.id);
    await db.query(`UPDATE matches SET supply_interest = 'interested' WHERE id = $1`, [interested]);
    await db.query(`UPDATE streams SET status = 'withdrawn', version = version + 1 WHERE id = $1`, [
      withdrawn.id,
    ]);
    const untouchedBefore = await matchRow(untouched);
    // Rows the run keeps (most of them): one a party acted on, one with an event that must stay.
    const [keptInterested, keptWithEvent] = (
      (await db.query(
        `SELECT id FROM matches WHERE status = 'proposed' AND supply_stream_id <> ALL($1::uuid[]) ORDER BY id LIMIT 2`,
        [[withdrawn.id, ...spare.map((p) => p.supply)]],
      )) as { id: string }[]
    ).map((r) => r.id);
    await db.query(`UPDATE matches SET demand_interest = 'interested' WHERE id = $1`, [keptInterested]);
    await db.query(`INSERT INTO match_events (match_id, action, to_status) VALUES ($1, 'test', 'proposed')`, [
      keptWithEvent,
    ]);

    await matching.fullRematch();

    const keptApproved = await matchRow(approved);
    expect(keptApproved).toMatchObject({ status: 'approved', qualifies: true });
    expect(keptApproved.score).not.toBe(1);
    expect(await db.query(`SELECT to_status FROM match_events WHERE match_id = $1`, [approved])).toEqual([
      { to_status: 'approved' },
    ]);
    expect(
      await db.query(`SELECT demand_interest, qualifies FROM matches WHERE id = $1`, [keptInterested]),
    ).toEqual([{ demand_interest: 'interested', qualifies: true }]);
    expect(await db.query(`SELECT to_status FROM match_events WHERE match_id = $1`, [keptWithEvent])).toEqual(
      [{ to_status: 'proposed' }],
    );
    expect(await matchRow(extra)).toBeUndefined();
    expect(await db.query(`SELECT 1 FROM match_events WHERE match_id = $1`, [extra])).toEqual([]);
    expect(await matchRow(untouched)).toMatchObject({
      status: 'expired',
      qualifies: false,
      stale: false,
      version: untouchedBefore.version + 1,
    });
    expect(await matchRow(interested)).toMatchObject({
      status: 'proposed',
      supply_interest: 'interested',
      qualifies: false,
      stale: true,
    });
    // The proposed rows that still qualify are exactly a from-scratch match's.
    expect(await qualifyingProposed()).toEqual(await fromScratch(db, K));
    expect(await expectStoredFloorsAgree(db, K)).toBeGreaterThan(0);
    expect(await catalog()).toEqual(before);
    // The index of acted-on rows, built on the empty new table before the fill, holds exactly them.
    const actedOn = (
      (await db.query(`SELECT id FROM matches WHERE status <> 'proposed' ORDER BY id`)) as { id: string }[]
    ).map((r) => r.id);
    expect(actedOn.length).toBeGreaterThan(0);
    expect(await actedOnThroughStatusIndex()).toEqual(actedOn);
    // A further run changes nothing: the expired and the stale rows are carried over as they are.
    const rowsBefore = (await db.query(`SELECT * FROM matches ORDER BY id`)) as { computed_at: Date }[];
    await matching.fullRematch();
    expect(await db.query(`SELECT * FROM matches ORDER BY id`)).toEqual(rowsBefore);
    // Statistics for the planner, even with autovacuum off.
    const [{ analyzed }] = (await db.query(
      `SELECT last_analyze IS NOT NULL AS analyzed FROM pg_stat_user_tables WHERE relname = 'matches'`,
    )) as { analyzed: boolean }[];
    expect(analyzed).toBe(true);
  });

  it('copies new rows into an empty store, frozen, and queues them for notification by their creation time', async () => {
    const pairs: ScoredPair[] = Array.from({ length: 12 }, (_, i) =>
      co2Pair(
        `0192f3a4-7b1c-7d2e-8f30-a1b2c3d4e5${String(i).padStart(2, '0')}`,
        `1192f3a4-7b1c-4d2e-8f30-a1b2c3d4e5${String(i).padStart(2, '0')}`,
        10 + i,
        i % 3 === 0 ? ['displaces_existing_use', 'low_confidence_factor'] : [],
      ),
    );
    // Committed first: the rebuild reads matches on a connection of its own.
    await db.query(`TRUNCATE matches, match_proposal_outbox CASCADE`);
    const rollback = new Error('rolled back on purpose');
    await expect(
      db.transaction(async (m) => {
        await MatchTableRebuild.within(m, db, async (rebuild) => {
          // Two statements of 5 rows and one of 2.
          const chunks = [0, 5, 10].map((at) => newPairsCopy(pairs.slice(at, at + 5)));
          const copies = watchConnection(rebuild.writer);
          const run = watchConnection(m);
          expect(await rebuild.writeEncoded('co2', chunks)).toBe(12);
          copies.stop();
          run.stop();
          // Each COPY went out once the one before had finished; nothing was queued per statement.
          expect([copies.queries, copies.overlapping, run.queries]).toEqual([3, 0, 0]);
          // The rows are written on the rebuild's own connection, all created at its transaction's time.
          const rows = (await rebuild.writer.query(
            `SELECT id, supply_stream_id, score, flag_mask, status, created_at::text AS created
             FROM matches_rebuilt ORDER BY supply_stream_id`,
          )) as {
            id: string;
            supply_stream_id: string;
            score: number;
            flag_mask: number;
            status: string;
            created: string;
          }[];
          expect(
            rows.map((r) => [r.supply_stream_id, r.score, flagsFromMask(r.flag_mask), r.status]),
          ).toEqual(pairs.map((p) => [p.supplyId, p.score, p.flags, 'proposed']));
          const [{ fillAt }] = (await rebuild.writer.query(`SELECT now()::text AS "fillAt"`)) as {
            fillAt: string;
          }[];
          expect(new Set(rows.map((r) => r.created))).toEqual(new Set([fillAt]));
          // Copied frozen: every page of the new table is all-visible already (ANALYZE counts them).
          await rebuild.writer.query(`ANALYZE matches_rebuilt`);
          const [pages] = (await rebuild.writer.query(
            `SELECT relpages, relallvisible FROM pg_class WHERE relname = 'matches_rebuilt'`,
          )) as { relpages: number; relallvisible: number }[];
          expect(pages.relpages).toBeGreaterThan(0);
          expect(pages.relallvisible).toBe(pages.relpages);
          // The swap queues them in the run's transaction as one entry that names their creation time.
          expect(await m.query(`SELECT count(*)::int AS n FROM match_proposal_outbox`)).toEqual([{ n: 0 }]);
          await rebuild.finish(m);
          expect(
            await m.query(
              `SELECT match_ids, run_created_at::text AS at,
                 (SELECT count(*)::int FROM matches WHERE created_at = o.run_created_at) AS rows
               FROM match_proposal_outbox o`,
            ),
          ).toEqual([{ match_ids: null, at: fillAt, rows: 12 }]);
          throw rollback;
        });
      }),
    ).rejects.toBe(rollback);
  });

  /**
   * A store of one row per (category, status) given, version 3, score 10, CO2-like columns, between
   * pairs of streams of two companies (the categories only label the rows): the pairs and the rows.
   */
  async function storeRows(rows: { category: string; status: string }[]) {
    await db.query(`TRUNCATE matches, match_proposal_outbox CASCADE`);
    const streams = (await db.query(
      `SELECT s.id AS supply, d.id AS demand FROM streams s JOIN streams d
         ON s.direction = 'supply' AND d.direction = 'demand' AND s.company_id <> d.company_id
       ORDER BY 1, 2 LIMIT $1`,
      [rows.length],
    )) as { supply: string; demand: string }[];
    const stored = (await db.query(
      `INSERT INTO matches (supply_stream_id, demand_stream_id, category, status, version, score,
         exchanged_quantity, exchanged_unit, distance_km, route_km, transport_mode, energy_saved_mwh,
         co2_avoided_t, gross_co2_t, deducted_co2_t, explanation, engine_version, factor_set_version,
         computed_at, created_at, updated_at)
       SELECT s, d, c, st, 3, 10, 100, 't/yr', 4, 5, 'pipeline', 0, 10, 11, 1, '{}', $5, $6,
         '2026-01-01', '2026-01-01', '2026-01-01'
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS x(s, d, c, st, n)
       ORDER BY n
       RETURNING id, supply_stream_id`,
      [
        streams.map((p) => p.supply),
        streams.map((p) => p.demand),
        rows.map((r) => r.category),
        rows.map((r) => r.status),
        ENGINE_VERSION,
        CURRENT_FACTOR_SET.version,
      ],
    )) as { id: string; supply_stream_id: string }[];
    await db.query(`TRUNCATE match_proposal_outbox`); // what the inserts above queued
    return { streams, stored };
  }

  it('over a stored store, stages the kept pairs and merges them with their stored rows in one statement', async () => {
    // Stored: one as the run scores it, one with an older score, one expired.
    const { streams, stored } = await storeRows(
      ['proposed', 'proposed', 'expired'].map((status) => ({ category: 'co2', status })),
    );
    const [same, older, expired] = streams.map((p, i) => co2Pair(p.supply, p.demand, i === 1 ? 12 : 10));
    // More new pairs than one outbox entry holds (PIPELINED_STATEMENT_ROWS ids).
    const fresh = Array.from({ length: PIPELINED_STATEMENT_ROWS + 3 }, (_, i) => {
      const n = String(i).padStart(12, '0');
      return co2Pair(`0192f3a4-7b1c-7d2e-8f30-${n}`, `1192f3a4-7b1c-4d2e-8f30-${n}`, 20);
    });
    const rollback = new Error('rolled back on purpose');
    await expect(
      db.transaction(async (m) => {
        const [{ at }] = (await m.query(`SELECT now()::text AS at`)) as { at: string }[];
        await MatchTableRebuild.within(m, db, async (rebuild) => {
          const w = rebuild.writer;
          // Staged, not written yet: nothing in the new table until the merge.
          expect(await rebuild.write([same, older, ...fresh.slice(0, 10)])).toBe(0);
          expect(await rebuild.write([expired, ...fresh.slice(10)])).toBe(0);
          expect(await w.query(`SELECT count(*)::int AS n FROM matches_rebuilt`)).toEqual([{ n: 0 }]);
          // New rows and the two that changed (a score, an expired row proposed again).
          expect(await rebuild.mergeStaged('co2')).toBe(fresh.length + 2);
          expect(await rebuild.mergeStaged('co2')).toBe(0);
          expect(await w.query(`SELECT to_regclass('matches_staged_co2') AS t`)).toEqual([{ t: null }]);
          // New and changed rows carry the run's timestamp (its transaction's, not the writer's).
          const rows = (await w.query(
            `SELECT id, supply_stream_id, score, status, version, computed_at = $1::timestamptz AS computed_now,
               created_at = $1::timestamptz AS created_now FROM matches_rebuilt`,
            [at],
          )) as {
            id: string;
            supply_stream_id: string;
            score: number;
            status: string;
            version: number;
            computed_now: boolean;
            created_now: boolean;
          }[];
          expect(rows).toHaveLength(fresh.length + 3);
          const byId = new Map(rows.map((r) => [r.id, r]));
          const kept = (i: number) => {
            const { id: _id, supply_stream_id, ...rest } = byId.get(stored[i].id)!;
            expect(supply_stream_id).toBe(stored[i].supply_stream_id);
            return rest;
          };
          expect([kept(0), kept(1), kept(2)]).toEqual([
            { score: 10, status: 'proposed', version: 3, computed_now: false, created_now: false },
            { score: 12, status: 'proposed', version: 3, computed_now: true, created_now: false },
            { score: 10, status: 'proposed', version: 4, computed_now: true, created_now: false },
          ]);
          const newIds = rows.filter((r) => !stored.some((s) => s.id === r.id));
          expect(newIds.every((r) => r.created_now && r.computed_now && r.version === 1)).toBe(true);
          expect(await m.query(`SELECT count(*)::int AS n FROM match_proposal_outbox`)).toEqual([{ n: 0 }]);
          // The swap queues only the new rows for notification, in entries of PIPELINED_STATEMENT_ROWS ids,
          // in the run's transaction.
          await rebuild.finish(m);
          const queued = (await m.query(`SELECT match_ids FROM match_proposal_outbox ORDER BY id`)) as {
            match_ids: string[];
          }[];
          expect(queued.map((q) => q.match_ids.length)).toEqual([PIPELINED_STATEMENT_ROWS, 3]);
          expect(queued.flatMap((q) => q.match_ids).sort()).toEqual(newIds.map((r) => r.id).sort());
          expect(await m.query(`SELECT count(*)::int AS n FROM matches`)).toEqual([{ n: rows.length }]);
          throw rollback;
        });
      }),
    ).rejects.toBe(rollback);
  });

  it('over a stored store, writes and merges its categories on two connections, each in a transaction of its own', async () => {
    // Stored: three CO2 rows and two water rows.
    const categories = ['co2', 'co2', 'co2', 'water', 'water'];
    const { streams, stored } = await storeRows(
      categories.map((category) => ({ category, status: 'proposed' })),
    );
    // The run scores the first CO2 pair and the first water pair higher than stored, the others the same.
    const kept = streams.map((p, i) => ({
      ...co2Pair(p.supply, p.demand, i === 0 || i === 3 ? 12 : 10),
      category: categories[i],
    }));
    const fresh = (category: string, from: number) =>
      [0, 1].map((i) => {
        const n = String(from + i).padStart(12, '0');
        return { ...co2Pair(`0192f3a4-7b1c-7d2e-8f30-${n}`, `1192f3a4-7b1c-4d2e-8f30-${n}`, 20), category };
      });
    const rollback = new Error('rolled back on purpose');
    await expect(
      db.transaction(async (m) => {
        await MatchTableRebuild.within(m, db, async (rebuild) => {
          // The largest category first, on the fill's connection; the next on the second lane.
          expect([rebuild.laneOf('co2'), rebuild.laneOf('water')]).toEqual([0, 1]);
          const co2 = rebuild.writerOf('co2');
          const water = rebuild.writerOf('water');
          expect(co2).toBe(rebuild.writer);
          const pid = async (w: typeof co2) =>
            ((await w.query(`SELECT pg_backend_pid() AS pid`)) as { pid: number }[])[0].pid;
          expect(await pid(water)).not.toBe(await pid(co2));
          expect(await rebuild.write([...kept.slice(0, 3), ...fresh('co2', 0)])).toBe(0);
          expect(await rebuild.write([...kept.slice(3), ...fresh('water', 2)])).toBe(0);
          // Each lane's staging table lives in its own transaction.
          const staged = async (w: typeof co2, category: string) =>
            (
              (await w.query(`SELECT to_regclass($1)::text AS t`, [`matches_staged_${category}`])) as {
                t: string | null;
              }[]
            )[0].t;
          expect(await staged(co2, 'co2')).toBe('matches_staged_co2');
          expect(await staged(co2, 'water')).toBeNull();
          expect(await staged(water, 'water')).toBe('matches_staged_water');
          // Merged side by side: the new rows and the one that changed, per category.
          expect(await Promise.all([rebuild.mergeStaged('co2'), rebuild.mergeStaged('water')])).toEqual([
            3, 3,
          ]);
          const count = async (w: typeof co2) =>
            (
              (await w.query(
                `SELECT category, count(*)::int AS n FROM matches_rebuilt GROUP BY 1 ORDER BY 1`,
              )) as { category: string; n: number }[]
            ).map((r) => `${r.category} ${r.n}`);
          expect(await count(co2)).toEqual(['co2 5']);
          expect(await count(water)).toEqual(['water 4']);
          // Both lanes' rows in the swapped table, the stored rows under their ids.
          await rebuild.finish(m);
          const rows = (await m.query(
            `SELECT id, category, score, version FROM matches ORDER BY category, score, id`,
          )) as { id: string; category: string; score: number; version: number }[];
          expect(rows).toHaveLength(9);
          const byId = new Map(rows.map((r) => [r.id, r]));
          expect(stored.map(({ id }) => [byId.get(id)?.category, byId.get(id)?.score])).toEqual(
            kept.map((p) => [p.category, p.score]),
          );
          expect(rows.filter((r) => r.score === 20).map((r) => [r.category, r.version])).toEqual([
            ['co2', 1],
            ['co2', 1],
            ['water', 1],
            ['water', 1],
          ]);
          throw rollback;
        });
      }),
    ).rejects.toBe(rollback);
  });

  it('re-adds the references to matches unchecked in the swap and checks them after the commit', async () => {
    await matching.fullRematch(); // a store to carry over
    const references = async (q: { query: DataSource['query'] }) =>
      (await q.query(
        `SELECT conrelid::regclass::text || '.' || conname AS name, convalidated AS valid FROM pg_constraint
         WHERE contype = 'f' AND confrelid = 'matches'::regclass ORDER BY 1`,
      )) as { name: string; valid: boolean }[];
    const before = await catalog();
    const stored = await references(db);
    expect(stored.length).toBeGreaterThanOrEqual(5);
    expect(stored.every((r) => r.valid)).toBe(true);
    // In the run's transaction after the swap: every reference is back, none has read its rows yet.
    const rollback = new Error('rolled back on purpose');
    await expect(
      db.transaction(async (m) => {
        await MatchTableRebuild.within(m, db, async (rebuild) => {
          await rebuild.finish(m);
          expect(rebuild.exclusiveSince).not.toBeNull();
          expect(await references(m)).toEqual(stored.map((r) => ({ name: r.name, valid: false })));
          throw rollback;
        });
      }),
    ).rejects.toBe(rollback);
    expect(await catalog()).toEqual(before);

    // A run that stopped between its commit and the check left a reference unchecked: the sweeper
    // checks it; the next run re-adds it once (not "NOT VALID NOT VALID") and checks it with the others.
    const [{ definition }] = (await db.query(
      `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conname = 'notifications_match_id_fkey'`,
    )) as { definition: string }[];
    const leaveUnchecked = () =>
      db.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_match_id_fkey,
        ADD CONSTRAINT notifications_match_id_fkey ${definition} NOT VALID`);
    await leaveUnchecked();
    expect((await references(db)).filter((r) => !r.valid).map((r) => r.name)).toEqual([
      'notifications.notifications_match_id_fkey',
    ]);
    await worker.get(JobQueue).add(JobName.SweepDirtyStreams, {});
    await pollUntil(async () => (await references(db)).every((r) => r.valid) || undefined, {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'the sweeper to validate the reference',
    });
    expect(await catalog()).toEqual(before);
    // A check that cannot get its lock in time gives up and leaves the reference for later.
    await leaveUnchecked();
    const holder = new Client({ connectionString: config.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE notifications IN SHARE UPDATE EXCLUSIVE MODE');
      await expect(validateMatchesReferences(db, '100ms')).rejects.toMatchObject({
        driverError: { code: '55P03' },
      });
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect((await references(db)).filter((r) => !r.valid)).toHaveLength(1);
    const result = await matching.fullRematch();
    expect(await catalog()).toEqual(before);
    expect((await references(db)).every((r) => r.valid)).toBe(true);
    // Readers wait from the swap's lock to the commit only, a part of the indexes, swap and commit.
    expect(result.exclusiveMs).toBeGreaterThan(0);
    expect(result.exclusiveMs).toBeLessThan(result.swapMs);
  });

  it("takes the statistics of a reference's column before checking it, so the check is planned on fresh ones", async () => {
    await matching.fullRematch();
    const [{ id: matchId }] = (await db.query(`SELECT id FROM matches ORDER BY id LIMIT 1`)) as {
      id: string;
    }[];
    const [user] = await createUsers(db, [{ role: 'coordinator' }]);
    const nullFraction = async () => {
      const [row] = (await db.query(
        `SELECT null_frac FROM pg_stats WHERE tablename = 'notifications' AND attname = 'match_id'`,
      )) as { null_frac: number }[];
      return Number(row.null_frac);
    };
    // No autovacuum in between: the statistics stay as they were taken until the check.
    await db.query(`ALTER TABLE notifications SET (autovacuum_enabled = false)`);
    try {
      // 200 notifications of a match, counted by ANALYZE; then all but one digested (their match cleared).
      await db.query(
        `INSERT INTO notifications (user_id, kind, match_id, message)
         SELECT $1, 'match_proposed', $2, 'proposed' FROM generate_series(1, 200)`,
        [user.id, matchId],
      );
      await db.query(`ANALYZE notifications`);
      await db.query(
        `UPDATE notifications SET match_id = NULL
         WHERE user_id = $1 AND id <> (SELECT min(id::text)::uuid FROM notifications WHERE user_id = $1)`,
        [user.id],
      );
      const [{ actual }] = (await db.query(
        `SELECT avg((match_id IS NULL)::int)::float8 AS actual FROM notifications`,
      )) as { actual: number }[];
      const stale = await nullFraction();
      expect(actual).toBeGreaterThan(0.9);
      expect(stale).toBeLessThan(0.5);
      const [{ definition }] = (await db.query(
        `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
         WHERE conname = 'notifications_match_id_fkey'`,
      )) as { definition: string }[];
      await db.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_match_id_fkey,
        ADD CONSTRAINT notifications_match_id_fkey ${definition} NOT VALID`);

      expect(await validateMatchesReferences(db)).toBe(1);
      expect(await nullFraction()).toBeCloseTo(actual, 3);
      const [{ valid }] = (await db.query(
        `SELECT convalidated AS valid FROM pg_constraint WHERE conname = 'notifications_match_id_fkey'`,
      )) as { valid: boolean }[];
      expect(valid).toBe(true);
    } finally {
      await db.query(`DELETE FROM notifications WHERE user_id = $1`, [user.id]);
      await db.query(`DELETE FROM users WHERE id = $1`, [user.id]);
      await db.query(`ALTER TABLE notifications RESET (autovacuum_enabled)`);
    }
  });

  it('waits for a reader that holds matches without waiting for the run, and cancels nothing', async () => {
    await matching.fullRematch(); // a store to read
    const reader = new Client({ connectionString: config.DATABASE_URL });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query(`SELECT count(*) FROM matches`);
      const run = matching.fullRematch();
      // The swap asks for the table and waits (its lock request is not granted while the reader holds it).
      await pollUntil(
        async () => {
          const waiting = (await db.query(
            `SELECT 1 FROM pg_locks WHERE relation = 'matches'::regclass AND mode = 'AccessExclusiveLock'
             AND NOT granted`,
          )) as unknown[];
          return waiting.length > 0 || undefined;
        },
        { timeoutMs: 20_000, intervalMs: 5, what: 'the swap to wait for the reader' },
      );
      // A statement of the reader that outlasts several of the swap's lock timeouts is not cancelled
      // (the reader does not wait for the run), and the reader still sees the old table.
      const [{ n }] = (await reader.query(`SELECT (SELECT count(*)::int FROM matches) AS n, pg_sleep(1.5)`))
        .rows as { n: number }[];
      expect(n).toBeGreaterThan(0);
      await reader.query('COMMIT');
      const result = await run;
      expect(result.kept).toBeGreaterThan(0);
      expect(await qualifyingProposed()).toEqual(await fromScratch(db, K));
    } finally {
      await reader.query('ROLLBACK').catch(() => undefined);
      await reader.end();
    }
  });

  it('cancels a writer that read matches and waits behind the run, so the swap never deadlocks', async () => {
    const client = new Client({ connectionString: config.DATABASE_URL });
    await client.connect();
    try {
      await client.query('BEGIN');
      const [{ id }] = (await client.query(`SELECT id FROM matches ORDER BY id LIMIT 1`)).rows as {
        id: string;
      }[];
      const run = matching.fullRematch();
      // Once the run holds its share lock, the writer's update waits behind it while holding its read lock.
      await pollUntil(
        async () => {
          const locks = (await db.query(
            `SELECT 1 FROM pg_locks WHERE relation = 'matches'::regclass AND mode = 'ShareLock' AND granted`,
          )) as unknown[];
          return locks.length > 0 || undefined;
        },
        { timeoutMs: 20_000, intervalMs: 5, what: 'the run to lock matches' },
      );
      // Like the API's transactions, the writer rolls back as soon as its statement fails.
      const update = client.query(`UPDATE matches SET supply_interest = 'declined' WHERE id = $1`, [id]).then(
        () => 'updated',
        async (err: { code?: string }) => {
          await client.query('ROLLBACK');
          return err.code;
        },
      );
      const result = await run;
      expect(result.kept).toBeGreaterThan(0);
      expect(await update).toBe('57014');
      expect(await qualifyingProposed()).toEqual(await fromScratch(db, K));
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end();
    }
  });
});
