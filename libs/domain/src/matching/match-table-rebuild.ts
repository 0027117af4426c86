import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { PAIR_ROWS, PIPELINED_STATEMENT_ROWS, StatementChain, writeColumnChunks } from './match-writer';
import {
  COPIED_COLUMNS,
  copyChunks,
  pairColumnChunks,
  RUN_CONSTANT_COLUMNS,
  runConstantDefaultsSql,
} from './pair-columns';
import { ScoredPair } from './matching.types';

/**
 * A full re-match writes the matches table anew instead of upserting into it.
 *
 * Into a table with its indexes (five then; four since the supply rank moved into the pair key), every
 * row costs a descent and an insert per index, most of them at random places: at 100,000 streams the run's 3.6 million rows kept Postgres busy for 67–92 s, and a
 * run over a full store spent 86 s only finding that nothing had changed. Here the rows go into a new
 * heap without indexes while the worker scores (copied in when the store is empty; otherwise copied
 * into a staging table per category and, once the category is scored, merged with the stored rows in
 * one hash join as upsertPairs would merge them: id, status, interest, stale flag and version carried
 * over), the stored rows the run does not rewrite are copied over (expired or flagged stale as
 * markNotQualifying would; untouched proposals that fell out of every top K left out, as
 * deleteProposed did), the new table is committed and its indexes built two at a time, each in one
 * sorted pass (see within), and it takes the place of the old one in the run's transaction: readers
 * see the old table until the commit, then the new one.
 *
 * Writers of matches wait for the run from its start (a SHARE lock), as they waited for the rows an
 * upsert had touched; the swap itself needs the old table and the tables that reference it to itself
 * for a moment (see lockForSwap).
 */
export class MatchTableRebuild {
  /** Untouched proposals that fell out of every top K (ids): not carried over. */
  private readonly dropped: string[] = [];
  /** Stored rows by category written into the new table merged with a kept pair. */
  private readonly merged = new Map<string, number>();
  /** Stored rows carried over by carry(). */
  private carried = 0;
  /** Categories whose kept pairs wait in a staging table for mergeStaged(). */
  private readonly staged = new Set<string>();
  private readonly storeWasEmpty: boolean;
  /** Rows merged in new (not stored before): queued for notification by swap(). */
  private freshMerged = 0;
  /** Rows copied into an empty store: queued for notification by swap(), by their creation time. */
  private copied = 0;
  /** The fill's transaction time: the creation time of the rows copied in (their column default). */
  private fillAt = '';
  /** The second connection buildIndexes() builds on, once taken (the second lane's, when there is one). */
  private builder: QueryRunner | null = null;
  /**
   * Over a stored store, the second connection categories are written and merged on (see laneOf), in a
   * transaction of its own; null into an empty store, where every row goes in on the fill's.
   */
  private second: QueryRunner | null = null;
  /** Each category's lane (0: the fill's connection, 1: the second), fixed at its first write. */
  private readonly lanes = new Map<string, number>();
  /** Stored rows of the categories given to each lane so far (what its merges will read). */
  private readonly laneLoad = [0, 0];
  /** The old table's indexes, triggers and references, read by within() for the builds and swap(). */
  private schema: MatchesTableSchema | null = null;
  /** Gives the new table the old one's defaults back (see within() and buildIndexes()). */
  private restoreDefaults = '';
  /** When swap() got the tables to itself (performance.now()): readers wait from then until the commit. */
  private lockedAt: number | null = null;

  /**
   * @param stored the stored rows by category when the run began
   * @param fill the new table's own transaction (see within)
   * @param runAt the run's transaction timestamp (its now()), which new and changed rows carry
   */
  private constructor(
    private readonly stored: ReadonlyMap<string, number>,
    private readonly db: DataSource,
    private readonly fill: QueryRunner,
    private readonly runAt: string,
  ) {
    this.storeWasEmpty = stored.size === 0;
  }

  /**
   * Locks the matches table against other writers (in the run's transaction, `m`) and creates the new
   * table (no indexes yet) in a transaction of its own on a second connection of `db`, which buildIndexes()
   * commits before the indexes are built, so that they can be built side by side on two connections
   * (a single build uses the 2 cores poorly: at 3.6 million rows the four large ones took 17.4 s one
   * after the other, 12.2 s two at a time). Over a stored store it commits the empty table at once and
   * writes on two connections (see openSecondLane). The run's transaction still decides: until it commits the
   * swap, readers and writers see the old table, and a run that fails leaves only the new table
   * behind, which the next run drops. `fn` gets the rebuild; its connection is released afterwards.
   */
  static async within<T>(
    m: EntityManager,
    db: DataSource,
    fn: (rebuild: MatchTableRebuild) => Promise<T>,
  ): Promise<T> {
    await m.query(`LOCK TABLE matches IN SHARE MODE`);
    const counts = (await m.query(`SELECT category, count(*)::int AS n FROM matches GROUP BY category`)) as {
      category: string;
      n: number;
    }[];
    const [{ at }] = (await m.query(`SELECT now()::text AS at`)) as { at: string }[];
    const fill = db.createQueryRunner();
    const rebuild = new MatchTableRebuild(new Map(counts.map((c) => [c.category, c.n])), db, fill, at);
    try {
      await fill.connect();
      await beginFill(fill);
      // Left by a run that failed after its new table was committed.
      await fill.query(`DROP TABLE IF EXISTS ${NEXT}`);
      await fill.query(
        `CREATE TABLE ${NEXT} (LIKE matches INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED
           INCLUDING STORAGE INCLUDING COMPRESSION)`,
      );
      // The old table's shape, read on the fill's connection (the run's SHARE lock keeps it as it is).
      rebuild.schema = await describeMatchesTable(fill.manager);
      // The run's rows leave their constant columns to defaults until the fill commits (see copyPairs).
      rebuild.restoreDefaults = await restoreDefaultsSql(fill.manager, NEXT);
      await fill.query(runConstantDefaultsSql(NEXT));
      // An index of acted-on rows only goes on the empty table: the run's rows are nearly all
      // proposals, which the fill only tests against its predicate, where a build after the fill read
      // the whole table for it (0.7 s at 3.6 million rows).
      for (const index of rebuild.schema.indexes.filter(leavesProposalsOut)) {
        await fill.query(rebuildIndexSql(index));
      }
      if (!rebuild.storeWasEmpty) await rebuild.openSecondLane();
      [{ at: rebuild.fillAt }] = (await fill.query(`SELECT now()::text AS at`)) as { at: string }[];
      return await fn(rebuild);
    } finally {
      await rebuild.release();
    }
  }

  /**
   * Over a stored store, merging a category's kept pairs with its stored rows keeps one backend busy for
   * most of the run (heat's 1.7 million rows: a hash join and an insert, 10–18 s; the whole run's merges
   * some 35 core-seconds while the scoring threads waited for the writer): the categories are shared
   * between two connections, each writing and merging its own in its own transaction. Both insert into
   * the new table, so it is committed empty first (nobody reads it; a run that fails leaves it for the
   * next, which drops it). Into an empty store the rows go in by COPY FREEZE, which needs the table
   * created in the same transaction: one connection.
   */
  private async openSecondLane(): Promise<void> {
    await this.fill.commitTransaction();
    await beginFill(this.fill);
    this.second = this.db.createQueryRunner();
    await this.second.connect();
    await beginFill(this.second);
  }

  /**
   * The lane `category` is written on (see openSecondLane): 0 into an empty store; otherwise, at its
   * first write, the lane with fewer stored rows to merge so far (a run's scoring threads write the
   * largest categories first: at 100,000 streams heat took one lane and the four others the second).
   */
  laneOf(category: string): number {
    if (!this.second) return 0;
    let lane = this.lanes.get(category);
    if (lane === undefined) {
      lane = this.laneLoad[1] < this.laneLoad[0] ? 1 : 0;
      this.lanes.set(category, lane);
      this.laneLoad[lane] += this.stored.get(category) ?? 0;
    }
    return lane;
  }

  /** The fill's connection (lane 0, every category into an empty store); its rows are uncommitted until buildIndexes(). */
  get writer(): EntityManager {
    return this.fill.manager;
  }

  /** The connection `category` is written on (its lane's, see laneOf). */
  writerOf(category: string): EntityManager {
    return this.runnerOf(category).manager;
  }

  /** The connection of `category`'s lane. */
  private runnerOf(category: string): QueryRunner {
    return this.laneOf(category) === 1 ? this.second! : this.fill;
  }

  private async release(): Promise<void> {
    for (const runner of [this.fill, this.second, this.builder]) {
      if (!runner || runner.isReleased) continue;
      try {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
      } finally {
        await runner.release();
      }
    }
  }

  /**
   * Writes kept pairs of one category (write() or writeEncoded(), then mergeStaged() once all of them
   * are in): into an empty store they are new proposals, copied into the new table (swap() queues them
   * for notification, all at once by their creation time); otherwise they are copied into
   * the category's staging table and merged with their stored rows by mergeStaged(). Returns the rows
   * written that are new or changed (what upsertPairs reports): those copied in, or 0 when staged.
   */
  async write(pairs: readonly ScoredPair[]): Promise<number> {
    if (pairs.length === 0) return 0;
    // A write call holds one category's pairs.
    return this.writeEncoded(pairs[0].category, copyChunks(pairs, PIPELINED_STATEMENT_ROWS));
  }

  /** write() of one category's pairs already encoded (copyChunks, by a scoring thread). */
  async writeEncoded(category: string, chunks: Iterable<unknown[]>): Promise<number> {
    // The fill's transaction created the new table: its rows may go in frozen (see copyPairs).
    if (this.storeWasEmpty) {
      const copied = await copyPairs(this.fill, NEXT, chunks, { freeze: true });
      this.copied += copied;
      return copied;
    }
    const table = stagingTable(category);
    const runner = this.runnerOf(category);
    if (!this.staged.has(category)) {
      // Unlogged: it lives only until mergeStaged() drops it, in this transaction.
      const columns = [...COPIED_COLUMNS, ...RUN_CONSTANT_COLUMNS];
      await runner.query(
        `CREATE UNLOGGED TABLE ${table} AS SELECT ${columns.join(', ')} FROM matches WITH NO DATA`,
      );
      await runner.query(runConstantDefaultsSql(table));
      this.staged.add(category);
    }
    await copyPairs(runner, table, chunks, { freeze: false });
    return 0;
  }

  /**
   * Merges the category's staged pairs (every kept pair of it, written by write() or writeEncoded())
   * with their stored rows into the new table, as upsertPairs would merge them, in one statement: a
   * hash join of the staged pairs with the category's stored rows instead of a probe of the stored
   * table's pair index per pair (at 100,000 streams over a full store that probing kept Postgres busy
   * for most of the run). New proposals are queued for notification by swap(). Returns the rows new
   * or changed.
   */
  async mergeStaged(category: string): Promise<number> {
    if (!this.staged.delete(category)) return 0;
    const table = stagingTable(category);
    const runner = this.runnerOf(category);
    const [{ written, merged, fresh }] = (await runner.query(MERGE_STAGED(table), [
      category,
      this.runAt,
    ])) as { written: number; merged: number; fresh: number }[];
    this.merged.set(category, (this.merged.get(category) ?? 0) + merged);
    this.freshMerged += fresh;
    await runner.query(`DROP TABLE ${table}`);
    return written;
  }

  /**
   * Writes pairs merged with their stored rows straight into the new table, a statement per
   * PIPELINED_STATEMENT_ROWS pairs probing the stored pair index: for the few acted-on pairs that
   * still qualify but were not kept (reconciling a category, after mergeStaged()).
   */
  async writeMerged(pairs: readonly ScoredPair[]): Promise<number> {
    if (pairs.length === 0) return 0;
    const category = pairs[0].category;
    const runAt = this.runAt;
    function* withRunAt() {
      for (const chunk of pairColumnChunks(pairs, PIPELINED_STATEMENT_ROWS)) yield [...chunk, runAt];
    }
    return writeColumnChunks(this.runnerOf(category).manager, MERGED_INSERT, withRunAt(), (r) => {
      this.merged.set(category, (this.merged.get(category) ?? 0) + r.merged);
      this.freshMerged += r.fresh;
    });
  }

  /**
   * The category's stored rows that the run has not written into the new table: what reconcileCategory
   * has to decide on (`live`: qualifying, or not expired; the others are carried over as they are).
   */
  async storedNotRewritten(category: string): Promise<StoredRow[]> {
    // Every stored row of the category merged with a kept pair (a re-run over a current store): none left.
    if ((this.stored.get(category) ?? 0) === (this.merged.get(category) ?? 0)) return [];
    return (await this.runnerOf(category).query(
      `SELECT o.id, o.supply_stream_id, o.demand_stream_id, o.qualifies,
         (o.qualifies OR o.status <> 'expired') AS live,
         (o.status <> 'proposed' OR o.supply_interest IS NOT NULL OR o.demand_interest IS NOT NULL) AS acted_on
       FROM matches o
       WHERE o.category = $1
         AND NOT EXISTS (SELECT 1 FROM ${NEXT} n WHERE n.category = $1
           AND n.supply_stream_id = o.supply_stream_id AND n.demand_stream_id = o.demand_stream_id)`,
      [category],
    )) as StoredRow[];
  }

  /**
   * Carries stored rows of `category` over by id: `asIs` unchanged, `notQualifying` expired (untouched)
   * or flagged stale (acted on), as markNotQualifying changes them.
   */
  async carry(category: string, asIs: readonly string[], notQualifying: readonly string[]): Promise<void> {
    if (asIs.length + notQualifying.length === 0) return;
    const [{ carried }] = (await this.runnerOf(category).query(
      `WITH c AS (
         INSERT INTO ${NEXT} (${COLUMNS.join(', ')})
         SELECT ${COLUMNS.map((c) => CARRIED[c] ?? `o.${c}`).join(', ')}
         FROM unnest($1::uuid[]) AS a(id) JOIN matches o ON o.id = a.id
         LEFT JOIN unnest($2::uuid[]) AS nq(id) ON nq.id = o.id
         RETURNING 1
       ) SELECT count(*)::int AS carried FROM c`,
      [[...asIs, ...notQualifying], notQualifying, this.runAt],
    )) as { carried: number }[];
    this.carried += carried;
  }

  /** An untouched proposal that fell out of every top K: not carried over. */
  drop(id: string): void {
    this.dropped.push(id);
  }

  /**
   * Carries the remaining stored rows over, commits the new table and builds its indexes and
   * statistics on two connections of their own (the run's transaction is free meanwhile, for the
   * floors). Call once, after the last write; then swap().
   */
  async buildIndexes(): Promise<void> {
    if (this.staged.size > 0) throw new Error(`staged pairs never merged: ${[...this.staged].join(', ')}`);
    // The second lane's rows first: the carry-over below and the index builds read them.
    if (this.second) await this.second.commitTransaction();
    if (!this.storeWasEmpty) {
      // Every stored row was merged, carried or dropped per category, unless some had a category the
      // run did not match: those are carried over by an anti-join (ANALYZE, then a hash over the table).
      const sum = (counts: Iterable<number>) => [...counts].reduce((a, b) => a + b, 0);
      const accounted = sum(this.merged.values()) + this.carried + this.dropped.length;
      if (sum(this.stored.values()) !== accounted) await this.carryOver();
    }
    const schema = this.schema;
    if (!schema) throw new Error('the rebuild has no schema: within() reads it');
    // The new table gets the old one's defaults back before anyone else can see it.
    await this.fill.query(this.restoreDefaults);
    // The rows go out of the fill's transaction, so that two connections can build indexes on them.
    await this.fill.commitTransaction();
    this.builder = this.second ?? this.db.createQueryRunner();
    await buildIndexesSideBySide(
      [this.fill, this.builder],
      schema.indexes.filter((index) => !leavesProposalsOut(index)),
    );
  }

  /** When swap() got the tables to itself (performance.now()), or null before. */
  get exclusiveSince(): number | null {
    return this.lockedAt;
  }

  /**
   * Applies what deleting the dropped rows does to the tables that reference matches and swaps the
   * tables, in the run's transaction `m`. Call once, last, after buildIndexes(). Everything from here
   * to the run's commit holds matches and the tables that reference it exclusively, readers included:
   * only catalog changes happen here. The references come back NOT VALID (still enforced for every row
   * written from then on); checking the rows they already hold read the whole new table inside that
   * window (1.3 s for 75,000 notifications over 3.6 million matches) and is left to
   * validateMatchesReferences() after the commit, which blocks neither readers nor writers.
   */
  async swap(m: EntityManager): Promise<void> {
    const schema = this.schema;
    if (!schema) throw new Error('the new table has no indexes yet: buildIndexes() comes first');
    if (this.copied > 0) {
      // Every row the run copied in, queued as one entry: as the matches_notify_new trigger queues an
      // insert into matches, but without 3.6 million ids written here and probed at delivery (the fill
      // created them all at its transaction's time; nothing else writes matches before the swap).
      await m.query(`INSERT INTO match_proposal_outbox (run_created_at) VALUES ($1::timestamptz)`, [
        this.fillAt,
      ]);
    }
    if (this.freshMerged > 0) {
      // As the matches_notify_new trigger does for an insert into matches: new proposals wait in the outbox.
      await m.query(
        `INSERT INTO match_proposal_outbox (match_ids)
         SELECT array_agg(id) FROM (
           SELECT id, (row_number() OVER () - 1) / $2 AS part FROM ${NEXT} WHERE created_at = $1::timestamptz
         ) f GROUP BY part ORDER BY part`,
        [this.runAt, OUTBOX_IDS],
      );
    }
    await lockForSwap(m, ['matches', ...schema.references.map((r) => r.table)]);
    this.lockedAt = performance.now();
    for (const ref of schema.references) {
      await removeReferencesTo(m, ref, this.dropped);
      await m.query(`ALTER TABLE ${ref.table} DROP CONSTRAINT ${ref.name}`);
    }
    await m.query(`DROP TABLE matches`);
    await m.query(`ALTER TABLE ${NEXT} RENAME TO matches`);
    for (const index of schema.indexes) {
      const built = `${index.name}${NEXT_SUFFIX}`;
      if (index.constraintType === 'p' || index.constraintType === 'u') {
        const kind = index.constraintType === 'p' ? 'PRIMARY KEY' : 'UNIQUE';
        await m.query(`ALTER TABLE matches ADD CONSTRAINT ${index.constraint} ${kind} USING INDEX ${built}`);
      } else {
        await m.query(`ALTER INDEX ${built} RENAME TO ${index.name}`);
      }
    }
    for (const trigger of schema.triggers) {
      await m.query(trigger.definition);
      if (trigger.enabled === 'D') await m.query(`ALTER TABLE matches DISABLE TRIGGER ${trigger.name}`);
    }
    for (const ref of schema.references) {
      await m.query(`ALTER TABLE ${ref.table} ADD CONSTRAINT ${ref.name} ${ref.definition} NOT VALID`);
    }
  }

  /** buildIndexes(), then swap(). */
  async finish(m: EntityManager): Promise<void> {
    await this.buildIndexes();
    await this.swap(m);
  }

  /** The stored rows the run did not rewrite, carry or drop, as they are. */
  private async carryOver(): Promise<void> {
    // Statistics first: the new table has millions of rows the planner has never seen.
    await this.fill.query(`ANALYZE ${NEXT}`);
    await this.fill.query(
      `INSERT INTO ${NEXT} (${COLUMNS.join(', ')})
       SELECT ${COLUMNS.map((c) => `o.${c}`).join(', ')}
       FROM matches o
       WHERE NOT EXISTS (SELECT 1 FROM ${NEXT} n
               WHERE n.supply_stream_id = o.supply_stream_id AND n.demand_stream_id = o.demand_stream_id)
         AND NOT EXISTS (SELECT 1 FROM unnest($1::uuid[]) AS d(id) WHERE d.id = o.id)`,
      [this.dropped],
    );
  }
}

export interface StoredRow {
  id: string;
  supply_stream_id: string;
  demand_stream_id: string;
  qualifies: boolean;
  live: boolean;
  acted_on: boolean;
}

const NEXT = 'matches_rebuilt';
const NEXT_SUFFIX = '_rebuilt';

/** Every column of matches, in the order both inserts write them. */
const COLUMNS = [
  'id',
  'supply_stream_id',
  'demand_stream_id',
  'category',
  'status',
  'qualifies',
  'stale',
  'supply_interest',
  'demand_interest',
  'score',
  'exchanged_quantity',
  'exchanged_unit',
  'distance_km',
  'route_km',
  'transport_mode',
  'energy_saved_mwh',
  'co2_avoided_t',
  'gross_co2_t',
  'deducted_co2_t',
  'flag_mask',
  'explanation',
  'agreed_estimate',
  'engine_version',
  'factor_set_version',
  'version',
  'computed_at',
  'created_at',
  'updated_at',
] as const;

/** A proposal nobody has acted on (o: the stored row). */
const UNTOUCHED = `(o.status = 'proposed' AND o.supply_interest IS NULL AND o.demand_interest IS NULL)`;

/** Stored rows carried over: those listed as no longer qualifying change as markNotQualifying changed them. */
const CARRIED: Partial<Record<(typeof COLUMNS)[number], string>> = {
  status: `CASE WHEN nq.id IS NOT NULL AND ${UNTOUCHED} THEN 'expired' ELSE o.status END`,
  qualifies: `CASE WHEN nq.id IS NOT NULL THEN false ELSE o.qualifies END`,
  stale: `CASE WHEN nq.id IS NOT NULL THEN NOT ${UNTOUCHED} ELSE o.stale END`,
  version: `CASE WHEN nq.id IS NOT NULL AND ${UNTOUCHED} THEN o.version + 1 ELSE o.version END`,
  updated_at: `CASE WHEN nq.id IS NOT NULL THEN $3::timestamptz ELSE o.updated_at END`,
};

/**
 * A kept pair (t) merged with its stored row (o, all NULL when there is none): the fresh estimate; the
 * stored id, status (an expired row is proposed again), interest and creation; stale and version as
 * upsertPairs sets them; computed_at and updated_at move only when something changed. `engine` and
 * `factors` are the current versions (parameters or columns of t).
 */
const STATUS = `CASE WHEN o.status IS NULL OR o.status = 'expired' THEN 'proposed' ELSE o.status END`;
const changed = (engine: string, factors: string) => `(o.id IS NULL OR (o.score, o.energy_saved_mwh,
    o.exchanged_quantity, o.route_km, o.distance_km, o.flag_mask, o.status, o.qualifies, o.engine_version,
    o.factor_set_version)
  IS DISTINCT FROM (t.score, t.energy, t.exchanged, t.route, t.distance, t.flag_mask, ${STATUS}, true, ${engine},
    ${factors}))`;
const merged = (
  engine: string,
  factors: string,
  changedNow: string,
  now: string,
): Record<(typeof COLUMNS)[number], string> => ({
  id: 'coalesce(o.id, t.id)',
  supply_stream_id: 't.supply',
  demand_stream_id: 't.demand',
  category: 't.category',
  status: STATUS,
  qualifies: 'true',
  stale: `CASE WHEN o.id IS NULL OR (o.status IN ('proposed', 'expired') AND o.supply_interest IS NULL
      AND o.demand_interest IS NULL) THEN false
    WHEN o.stale THEN true
    ELSE (o.score, o.energy_saved_mwh, o.exchanged_quantity, o.route_km)
      IS DISTINCT FROM (t.score, t.energy, t.exchanged, t.route) OR NOT o.qualifies END`,
  supply_interest: 'o.supply_interest',
  demand_interest: 'o.demand_interest',
  score: 't.score',
  exchanged_quantity: 't.exchanged',
  exchanged_unit: 't.unit',
  distance_km: 't.distance',
  route_km: 't.route',
  transport_mode: 't.mode',
  energy_saved_mwh: 't.energy',
  co2_avoided_t: 't.score',
  gross_co2_t: 't.gross',
  deducted_co2_t: 't.deducted',
  flag_mask: 't.flag_mask',
  explanation: `coalesce(o.explanation, '{}'::jsonb)`,
  agreed_estimate: 'o.agreed_estimate',
  engine_version: engine,
  factor_set_version: factors,
  version: `CASE WHEN o.status = 'expired' THEN o.version + 1 ELSE coalesce(o.version, 1) END`,
  computed_at: `CASE WHEN ${changedNow} THEN ${now} ELSE o.computed_at END`,
  created_at: `coalesce(o.created_at, ${now})`,
  updated_at: `CASE WHEN ${changedNow} THEN ${now} ELSE o.updated_at END`,
});

/** Ids per outbox entry swap() queues for merged rows (the copy path queues one per statement of that size). */
const OUTBOX_IDS = PIPELINED_STATEMENT_ROWS;

/** Pairs (PAIR_ROWS) merged with their stored rows into the new table, the run's timestamp $17. */
const MERGED_COLUMNS = merged('$14', '$15', 'c.changed', '$17::timestamptz');
const MERGED_INSERT = `WITH src AS MATERIALIZED (
    SELECT ${COLUMNS.map((c) => `${MERGED_COLUMNS[c]} AS ${c}`).join(', ')}, o.id IS NULL AS fresh, c.changed
    FROM ${PAIR_ROWS}
    LEFT JOIN matches o ON o.supply_stream_id = t.supply AND o.demand_stream_id = t.demand
    CROSS JOIN LATERAL (SELECT ${changed('$14', '$15')} AS changed) c
  ), inserted AS (
    INSERT INTO ${NEXT} (${COLUMNS.join(', ')}) SELECT ${COLUMNS.join(', ')} FROM src
  )
  SELECT count(*) FILTER (WHERE changed)::int AS written, count(*) FILTER (WHERE NOT fresh)::int AS merged,
    count(*) FILTER (WHERE fresh)::int AS fresh FROM src`;

/** ALTER TABLE giving `table` back the defaults matches has on RUN_CONSTANT_COLUMNS (or none). */
async function restoreDefaultsSql(m: EntityManager, table: string): Promise<string> {
  const rows = (await m.query(
    `SELECT a.attname AS name, pg_get_expr(d.adbin, d.adrelid) AS def
     FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attrelid = 'matches'::regclass AND a.attname = ANY($1::text[]) ORDER BY a.attnum`,
    [[...RUN_CONSTANT_COLUMNS]],
  )) as { name: string; def: string | null }[];
  if (rows.length !== RUN_CONSTANT_COLUMNS.length) throw new Error('matches lacks a run-constant column');
  const actions = rows.map((r) =>
    r.def === null ? `ALTER COLUMN ${r.name} DROP DEFAULT` : `ALTER COLUMN ${r.name} SET DEFAULT ${r.def}`,
  );
  return `ALTER TABLE ${table} ${actions.join(', ')}`;
}

/** A category's staging table (mergeStaged). */
function stagingTable(category: string): string {
  if (!/^[a-z][a-z0-9_]*$/.test(category)) throw new Error(`not a category name: ${category}`);
  return `matches_staged_${category}`;
}

/**
 * The staged pairs of category $1 merged with their stored rows into the new table, one hash join
 * (the stored side restricted to the category: a stream's category is fixed for its life, so a pair's
 * stored row is of the pair's category), at the run's timestamp $2. A row is new when it was created
 * at the run's timestamp (a stored row was created by an earlier transaction), and written when it
 * was computed at it (see `merged`): the insert returns only the new table's columns.
 */
const MERGE_STAGED = (table: string) => {
  const columns = merged('t.engine', 't.factors', 'c.changed', '$2::timestamptz');
  return `WITH inserted AS (
    INSERT INTO ${NEXT} (${COLUMNS.join(', ')})
    SELECT ${COLUMNS.map((c) => columns[c]).join(', ')}
    FROM (SELECT id, supply_stream_id AS supply, demand_stream_id AS demand, category, score,
        exchanged_quantity AS exchanged, exchanged_unit AS unit, distance_km AS distance, route_km AS route,
        transport_mode AS mode, energy_saved_mwh AS energy, gross_co2_t AS gross, deducted_co2_t AS deducted,
        flag_mask, engine_version AS engine, factor_set_version AS factors
      FROM ${table}) t
    LEFT JOIN matches o ON o.supply_stream_id = t.supply AND o.demand_stream_id = t.demand AND o.category = $1
    CROSS JOIN LATERAL (SELECT ${changed('t.engine', 't.factors')} AS changed) c
    RETURNING created_at = $2::timestamptz AS fresh, computed_at = $2::timestamptz AS changed
  )
  SELECT count(*) FILTER (WHERE changed)::int AS written, count(*) FILTER (WHERE NOT fresh)::int AS merged,
    count(*) FILTER (WHERE fresh)::int AS fresh
  FROM inserted`;
};

/**
 * Copies pairs (copyChunks: [copy data, ids]) into `table` (the new table or a staging table) on the
 * fill's connection; returns the rows copied. The COPY statements go out one after the other as they
 * are encoded (StatementChain). (The chunks' ids are the rows' own, already in the data: the new rows
 * are queued for notification by their creation time, see swap.)
 *
 * With `freeze` (the new table), the rows go in frozen and the pages marked all-visible (COPY FREEZE,
 * allowed because the fill's transaction created the table and holds no older snapshot): nobody else
 * can see the table before that transaction commits, and it spares the new table the vacuum that
 * would otherwise freeze and mark every page later, before index-only scans could skip the heap.
 * Measured on 3.56 million rows: the COPY 8.3–8.7 → 7.4–7.5 s, a VACUUM right after it 0.99 s → 3 ms.
 * (Into a staging table, unlogged, FREEZE made no difference: 2.0 s either way for 1.72 million rows.)
 */
async function copyPairs(
  fill: QueryRunner,
  table: string,
  chunks: Iterable<unknown[]>,
  { freeze }: { freeze: boolean },
): Promise<number> {
  const client = (await fill.connect()) as PoolClient;
  const sql = `COPY ${table} (${COPIED_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary${freeze ? ', FREEZE' : ''})`;
  const copies = new StatementChain<number>();
  for (const [data] of chunks) {
    copies.add(
      () =>
        new Promise<number>((resolve, reject) => {
          const copy = client.query(copyFrom(sql));
          copy.once('error', reject);
          copy.once('finish', () => resolve(copy.rowCount));
          copy.end(data as Buffer);
        }),
    );
    // Let the connection send it before the next chunk is encoded.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  // Every statement settles before this returns, so none is left in flight behind an error.
  const copied = await copies.results();
  return copied.reduce((a, b) => a + b, 0);
}

interface IndexDef {
  name: string;
  definition: string;
  /** The partial index's predicate (pg_get_expr), or null. */
  predicate: string | null;
  /** Columns of the index, included ones too (the widest are built first). */
  columns: number;
  constraint: string | null;
  constraintType: string | null;
}
interface TriggerDef {
  name: string;
  definition: string;
  enabled: string;
}
interface ReferenceDef {
  table: string;
  name: string;
  definition: string;
  column: string;
  onDelete: string;
}

/** The indexes, triggers and incoming foreign keys of matches, read from the catalog. */
interface MatchesTableSchema {
  indexes: IndexDef[];
  triggers: TriggerDef[];
  references: ReferenceDef[];
}

async function describeMatchesTable(m: EntityManager): Promise<MatchesTableSchema> {
  const indexes = (await m.query(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition, i.indnatts::int AS columns,
       pg_get_expr(i.indpred, i.indrelid) AS predicate,
       con.conname AS "constraint", con.contype AS "constraintType"
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
     WHERE i.indrelid = 'matches'::regclass ORDER BY c.relname`,
  )) as IndexDef[];
  const triggers = (await m.query(
    `SELECT tgname AS name, pg_get_triggerdef(oid) AS definition, tgenabled AS enabled
     FROM pg_trigger WHERE tgrelid = 'matches'::regclass AND NOT tgisinternal ORDER BY tgname`,
  )) as TriggerDef[];
  const references = (await m.query(
    `SELECT con.conrelid::regclass::text AS table, con.conname AS name,
       pg_get_constraintdef(con.oid) AS definition, a.attname AS column, con.confdeltype AS "onDelete"
     FROM pg_constraint con
     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
     WHERE con.contype = 'f' AND con.confrelid = 'matches'::regclass AND cardinality(con.conkey) = 1
     ORDER BY 1, 2`,
  )) as ReferenceDef[];
  // A reference left NOT VALID by a run that stopped before validateMatchesReferences(): swap() adds
  // every reference NOT VALID itself.
  for (const ref of references) ref.definition = ref.definition.replace(/\s+NOT VALID$/, '');
  return { indexes, triggers, references };
}

/**
 * Takes the statistics of matches, after a run's commit: the swapped-in table has none, and autovacuum
 * may be off (as on the bench machine) or come a minute later. Outside the run's transaction it reads
 * its sample alone, where inside it competed with the last index builds for the cores (0.4 s alone,
 * 1.6 s there). It waits at most `lockTimeout` for its lock (a vacuum of matches holds the same one);
 * one that gives up fails, and autovacuum's own takes over.
 */
export async function analyzeMatches(db: DataSource, lockTimeout = '5s'): Promise<void> {
  await withLockTimeout(db, lockTimeout, `ANALYZE matches`);
}

/** Statements in a transaction of their own that waits at most `lockTimeout` for each lock. */
async function withLockTimeout(db: DataSource, lockTimeout: string, ...statements: string[]): Promise<void> {
  await db.transaction(async (m) => {
    await m.query(`SELECT set_config('lock_timeout', $1, true)`, [lockTimeout]);
    for (const sql of statements) await m.query(sql);
  });
}

/**
 * Checks the rows of every foreign key to matches that is NOT VALID (all of them after a swap, see
 * MatchTableRebuild.swap; any a stopped run left behind) and marks it valid, a transaction each. A
 * validation takes a SHARE UPDATE EXCLUSIVE lock on the referencing table and a ROW SHARE lock on
 * matches: reads and writes of both go on meanwhile. It waits at most `lockTimeout` for its locks (a
 * vacuum of the referencing table holds the same one); one that gives up fails, and the sweeper tries
 * again. Returns the references validated.
 *
 * The referencing column's statistics are taken first, under the same lock: the check is one anti join,
 * planned from them. Stale ones (the bench's notifications: 130,743 rows with a match estimated, 113
 * left after their digest) had it hash all 3.6 million matches, 2 s, where the index lookups that
 * fresh ones lead to take milliseconds.
 */
export async function validateMatchesReferences(db: DataSource, lockTimeout = '5s'): Promise<number> {
  const pending = (await db.query(
    `SELECT con.conrelid::regclass::text AS table, quote_ident(con.conname) AS name,
       (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.at)
        FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, at)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS columns
     FROM pg_constraint con
     WHERE con.contype = 'f' AND con.confrelid = 'matches'::regclass AND NOT con.convalidated
     ORDER BY 1, 2`,
  )) as { table: string; name: string; columns: string }[];
  for (const ref of pending) {
    await withLockTimeout(
      db,
      lockTimeout,
      `ANALYZE ${ref.table} (${ref.columns})`,
      `ALTER TABLE ${ref.table} VALIDATE CONSTRAINT ${ref.name}`,
    );
  }
  return pending.length;
}

/** maintenance_work_mem of each index build (see buildIndexesSideBySide). */
const INDEX_BUILD_MEMORY = '16MB';

/**
 * Builds the indexes on the new table (committed) on `runners`, each building one index at a time
 * without parallel workers, widest first; every statement commits on its own.
 */
async function buildIndexesSideBySide(runners: QueryRunner[], indexes: readonly IndexDef[]): Promise<void> {
  const queue = [...indexes]
    .sort((a, b) => b.columns - a.columns || a.name.localeCompare(b.name))
    .map(rebuildIndexSql);
  // A failed build stops the other connection's next one.
  let failed = false;
  const settled = await Promise.allSettled(
    runners.map(async (runner) => {
      for (let sql = queue.shift(); sql; sql = queue.shift()) {
        if (failed) return;
        await runner.startTransaction();
        try {
          // A small sort memory: each build sorts in runs that fit the CPU caches and merges them from
          // temporary files, instead of one quicksort in hundreds of MB of freshly mapped memory. On the
          // 2-core bench machine (3.56 million rows, both rank indexes side by side, then the primary
          // key): 8.8–9.3 s of builds with 1 GB, 6.9 s with 16 MB, 7.5 s with 64 MB.
          await runner.query(`SET LOCAL maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`);
          await runner.query(`SET LOCAL statement_timeout = '15min'`); // as the fill's (see within)
          // Two builds at a time use both cores; a parallel worker of each would only compete. (The last,
          // the primary key, once ran alone with one: 1.6 s with or without it at these memory sizes.)
          await runner.query(`SET LOCAL max_parallel_maintenance_workers = 0`);
          await runner.query(sql);
          await runner.commitTransaction();
        } catch (error) {
          failed = true;
          await runner.rollbackTransaction().catch(() => undefined);
          throw error;
        }
      }
    }),
  );
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
}

/** Starts a transaction of the new table's fill on `runner`: a lane's writes, merges and anti-joins. */
async function beginFill(runner: QueryRunner): Promise<void> {
  await runner.startTransaction();
  // Hash joins over a category's rows (the merges and anti-joins).
  await runner.query(`SET LOCAL work_mem = '256MB'`);
  // A category's merge grows with the store (8 s for 1.7 million rows on a slow 2-core machine);
  // the pool's 60 s limit is meant for requests.
  await runner.query(`SET LOCAL statement_timeout = '15min'`);
}

/** True for an index of the rows a party acted on only: its predicate leaves every proposal out. */
function leavesProposalsOut(index: IndexDef): boolean {
  return index.predicate === `(status <> 'proposed'::text)`;
}

/** The index's definition, built on the new table under a temporary name. */
function rebuildIndexSql(index: IndexDef): string {
  const match = /^(CREATE (?:UNIQUE )?INDEX )(\S+)( ON (?:ONLY )?)(\S+)( .*)$/s.exec(index.definition);
  if (!match || match[2] !== index.name || !/^(?:public\.)?matches$/.test(match[4])) {
    throw new Error(`unexpected index definition on matches: ${index.definition}`);
  }
  return `${match[1]}${index.name}${NEXT_SUFFIX}${match[3]}${NEXT}${match[5]}`;
}

/** What deleting the dropped matches would have done to a referencing table (ON DELETE …). */
async function removeReferencesTo(m: EntityManager, ref: ReferenceDef, dropped: string[]): Promise<void> {
  if (dropped.length === 0) return;
  const where = `${ref.column} = ANY($1::uuid[])`;
  if (ref.onDelete === 'c') {
    await m.query(`DELETE FROM ${ref.table} WHERE ${where}`, [dropped]);
  } else if (ref.onDelete === 'n') {
    await m.query(`UPDATE ${ref.table} SET ${ref.column} = NULL WHERE ${where}`, [dropped]);
  } else {
    const [{ n }] = (await m.query(`SELECT count(*)::int AS n FROM ${ref.table} WHERE ${where}`, [
      dropped,
    ])) as { n: number }[];
    if (n > 0) {
      throw new Error(`${n} rows of ${ref.table} reference matches the re-match would delete (${ref.name})`);
    }
  }
}

/**
 * Takes the tables for the swap. A transaction that read one of them and now waits behind the run's
 * share lock to write can never finish before the run does, and the run cannot take the table while it
 * holds it: Postgres finds that deadlock from the run's side and would fail the run. So when the lock
 * fails (deadlock) or takes more than a moment, the run cancels the statements of the transactions that
 * wait for it while holding one of the tables (their clients see a retryable error, as a deadlock's
 * victim would) and tries again.
 */
async function lockForSwap(m: EntityManager, tables: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await m.query(`SAVEPOINT swap_lock`);
    try {
      await m.query(`SET LOCAL lock_timeout = '500ms'`);
      await m.query(`LOCK TABLE ${tables.join(', ')} IN ACCESS EXCLUSIVE MODE`);
      await m.query(`RELEASE SAVEPOINT swap_lock`);
      await m.query(`SET LOCAL lock_timeout = 0`);
      return;
    } catch (error) {
      await m.query(`ROLLBACK TO SAVEPOINT swap_lock`);
      const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code;
      // 55P03: lock_timeout; 40P01: Postgres saw at once that the run would wait for a waiter of its own.
      if ((code !== '55P03' && code !== '40P01') || attempt >= SWAP_LOCK_ATTEMPTS) throw error;
      await m.query(
        `SELECT pg_cancel_backend(a.pid) FROM pg_stat_activity a
         WHERE pg_backend_pid() = ANY(pg_blocking_pids(a.pid))
           AND EXISTS (SELECT 1 FROM pg_locks l
                       WHERE l.pid = a.pid AND l.granted AND l.relation = ANY($1::regclass[]))`,
        [tables],
      );
    }
  }
}

/** Lock attempts of half a second before the swap gives up (other readers hold the tables that long). */
const SWAP_LOCK_ATTEMPTS = 120;
