import { EntityManager } from 'typeorm';
import { ScoredPair } from './matching.types';
import { pairColumnChunks } from './pair-columns';
import { uuidArray } from './pg-binary-arrays';

/** The pairs' column arrays (pairColumns: $1 … $13 and $16) as rows `t`, the flag mask as a smallint. */
export const PAIR_ROWS = `(SELECT u.*, u.flags::smallint AS flag_mask
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::float8[], $5::float8[], $6::text[], $7::float8[],
       $8::float8[], $9::text[], $10::float8[], $11::float8[], $12::float8[], $13::int4[], $16::uuid[])
       AS u(supply, demand, category, score, exchanged, unit, distance, route, mode, energy, gross, deducted, flags, id)) t`;

/** INSERT … SELECT of the pairs (PAIR_ROWS) into `table`, as new proposals. */
export const insertPairsInto = (
  table: string,
) => `INSERT INTO ${table} AS m (id, supply_stream_id, demand_stream_id, category, score, exchanged_quantity,
       exchanged_unit, distance_km, route_km, transport_mode, energy_saved_mwh, co2_avoided_t, gross_co2_t,
       deducted_co2_t, flag_mask, explanation, engine_version, factor_set_version)
     SELECT t.id, t.supply, t.demand, t.category, t.score, t.exchanged, t.unit, t.distance, t.route, t.mode, t.energy,
       t.score, t.gross, t.deducted, t.flag_mask, '{}'::jsonb, $14, $15
     FROM ${PAIR_ROWS}`;

const INSERT_PAIRS = insertPairsInto('matches');

/** Rows per statement of countWritten: big enough that a statement's own overhead stays small. */
export const PIPELINED_STATEMENT_ROWS = 5_000;

/**
 * Writes scored pairs set-based (unnest of column arrays, sent in Postgres' binary array format): new
 * pairs are inserted as proposed, existing rows get the fresh estimate. A row a party has acted on keeps
 * its status and is flagged stale when its numbers change; an expired row that qualifies again is
 * proposed again. Returns the number of rows written.
 *
 * One probe of the pair index first splits the pairs: the new ones go in as plain inserts
 * (insertNewPairs), only the stored ones through INSERT … ON CONFLICT DO UPDATE. An ON CONFLICT insert
 * of a new row pays for a speculative insertion (its own lock and a confirming WAL record per row):
 * about a fifth of the write into an empty store. The split relies on no other transaction inserting
 * the same pairs meanwhile, which the matching lock guarantees for the matcher (the only writer of new
 * matches); without it such a pair fails the statement (unique violation) instead of being overwritten.
 * A caller that has read every row of these pairs in its transaction passes their positions as
 * `storedAt` instead (an incremental job's own pairs: one round trip less).
 */
export async function upsertPairs(
  manager: EntityManager,
  pairs: readonly ScoredPair[],
  rowsPerStatement = PIPELINED_STATEMENT_ROWS,
  storedAt?: ReadonlySet<number>,
): Promise<number> {
  if (pairs.length === 0) return 0;
  const stored = storedAt ?? (await storedPairPositions(manager, pairs));
  if (stored.size === 0) return insertNewPairs(manager, pairs, rowsPerStatement);
  const fresh: ScoredPair[] = [];
  const existing: ScoredPair[] = [];
  pairs.forEach((p, i) => (stored.has(i) ? existing : fresh).push(p));
  return (
    (await insertNewPairs(manager, fresh, rowsPerStatement)) +
    (await updateStoredPairs(manager, existing, rowsPerStatement))
  );
}

/**
 * Positions (0-based) of the pairs that have a row. When the pairs share few streams on one side (a
 * stream's own pairs, a full re-match's batch of supplies with their K best each), one index range per
 * such stream lists its stored pairs, hash-joined to the call's pairs: 400 ranges instead of 20,000
 * probes for a re-match's batch (13 ms against 38–147 ms on 3.6 million matches), one for a single
 * stream's write. Otherwise a lateral subquery probes the pair index once per pair (OFFSET 0 keeps it
 * from being flattened: a semi-join could be planned as a hash over the whole matches table).
 */
export async function storedPairPositions(
  manager: EntityManager,
  pairs: readonly ScoredPair[],
  pairsPerRange = PAIRS_PER_STREAM_RANGE,
): Promise<Set<number>> {
  const supplies = new Set(pairs.map((p) => p.supplyId));
  const demands = new Set(pairs.map((p) => p.demandId));
  const bySupply = supplies.size <= demands.size;
  const streams = bySupply ? supplies : demands;
  const ids = [uuidArray(pairs.map((p) => p.supplyId)), uuidArray(pairs.map((p) => p.demandId))];
  const pairsAt = `unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS t(supply, demand, i)`;
  const rows = (
    streams.size * pairsPerRange <= pairs.length
      ? await manager.query(
          `SELECT (t.i - 1)::int AS i FROM ${pairsAt}
           JOIN (SELECT supply_stream_id, demand_stream_id FROM matches
             WHERE ${bySupply ? 'supply_stream_id' : 'demand_stream_id'} = ANY($3::uuid[])) m
           ON m.supply_stream_id = t.supply AND m.demand_stream_id = t.demand`,
          [...ids, uuidArray([...streams])],
        )
      : await manager.query(
          `SELECT (t.i - 1)::int AS i FROM ${pairsAt}
           CROSS JOIN LATERAL (SELECT 1 FROM matches m
             WHERE m.supply_stream_id = t.supply AND m.demand_stream_id = t.demand OFFSET 0) e`,
          ids,
        )
  ) as { i: number }[];
  return new Set(rows.map((r) => r.i));
}

/**
 * storedPairPositions lists whole streams' stored pairs when the call has at least this many pairs per
 * stream on its narrower side: a stream's list holds about K pairs of its own and those it is in other
 * lists' K best with, so below that the ranges would read more index entries than the per-pair probes.
 */
const PAIRS_PER_STREAM_RANGE = 8;

/** upsertPairs' write of pairs that have rows: the fresh estimate, status, stale flag and version. */
async function updateStoredPairs(
  manager: EntityManager,
  pairs: readonly ScoredPair[],
  rowsPerStatement: number,
): Promise<number> {
  return countWritten(
    manager,
    `${INSERT_PAIRS}
     ON CONFLICT (supply_stream_id, demand_stream_id) DO UPDATE SET
       score = EXCLUDED.score, exchanged_quantity = EXCLUDED.exchanged_quantity,
       exchanged_unit = EXCLUDED.exchanged_unit, distance_km = EXCLUDED.distance_km, route_km = EXCLUDED.route_km,
       transport_mode = EXCLUDED.transport_mode, energy_saved_mwh = EXCLUDED.energy_saved_mwh,
       co2_avoided_t = EXCLUDED.co2_avoided_t, gross_co2_t = EXCLUDED.gross_co2_t,
       deducted_co2_t = EXCLUDED.deducted_co2_t, flag_mask = EXCLUDED.flag_mask,
       engine_version = EXCLUDED.engine_version, factor_set_version = EXCLUDED.factor_set_version,
       qualifies = true,
       status = CASE WHEN m.status = 'expired' THEN 'proposed' ELSE m.status END,
       stale = CASE
         WHEN m.status IN ('proposed', 'expired') AND m.supply_interest IS NULL AND m.demand_interest IS NULL THEN false
         WHEN m.stale THEN true
         ELSE (m.score, m.energy_saved_mwh, m.exchanged_quantity, m.route_km) IS DISTINCT FROM
              (EXCLUDED.score, EXCLUDED.energy_saved_mwh, EXCLUDED.exchanged_quantity, EXCLUDED.route_km)
              OR NOT m.qualifies
       END,
       version = CASE WHEN m.status = 'expired' THEN m.version + 1 ELSE m.version END,
       computed_at = now(), updated_at = now()
     WHERE (m.score, m.energy_saved_mwh, m.exchanged_quantity, m.route_km, m.distance_km, m.flag_mask, m.status,
            m.qualifies, m.engine_version, m.factor_set_version)
       IS DISTINCT FROM (EXCLUDED.score, EXCLUDED.energy_saved_mwh, EXCLUDED.exchanged_quantity, EXCLUDED.route_km,
            EXCLUDED.distance_km, EXCLUDED.flag_mask, CASE WHEN m.status = 'expired' THEN 'proposed' ELSE m.status END,
            true, EXCLUDED.engine_version, EXCLUDED.factor_set_version)
     RETURNING 1`,
    pairs,
    rowsPerStatement,
  );
}

/**
 * Inserts pairs that have no row yet, as proposed, without a conflict check. For a writer that knows no
 * row of these pairs exists (upsertPairs after its probe, a full re-match into an empty store under the
 * matching lock); a pair that does exist fails the statement (unique violation), it is never overwritten.
 */
export async function insertNewPairs(
  manager: EntityManager,
  pairs: readonly ScoredPair[],
  rowsPerStatement = PIPELINED_STATEMENT_ROWS,
): Promise<number> {
  return countWritten(manager, `${INSERT_PAIRS} RETURNING 1`, pairs, rowsPerStatement);
}

/**
 * Runs a writer statement (…RETURNING 1) over the pairs' column arrays; the count comes back, not a
 * row per written match (100,000 of them in a full re-match's chunk of writes). A large call goes as a
 * few statements sent back to back on the transaction's connection: each one's parameters are encoded
 * while Postgres executes the one before (encoding was a fifth of a 100,000-row write, 0.2–0.4 s).
 */
async function countWritten(
  manager: EntityManager,
  statement: string,
  pairs: readonly ScoredPair[],
  rowsPerStatement: number,
): Promise<number> {
  return writeColumnChunks(
    manager,
    `WITH w AS (${statement}) SELECT count(*)::int AS written FROM w`,
    pairColumnChunks(pairs, rowsPerStatement),
  );
}

/**
 * Runs a statement that takes the pairs' column arrays (pairColumns) and returns one row with the
 * number of rows it wrote (`written`), once per chunk of parameters (pairColumnChunks, or chunks a
 * scoring thread encoded), the statements sent back to back on the transaction's connection.
 */
export async function writeColumnChunks(
  manager: EntityManager,
  sql: string,
  chunks: Iterable<unknown[]>,
  onResult?: (row: Record<string, number>) => void,
): Promise<number> {
  const statements = new StatementChain<{ written: number }[]>();
  for (const params of chunks) {
    statements.add(() => manager.query(sql, params) as Promise<{ written: number }[]>);
    // Let the connection send it before the next one is encoded.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  let written = 0;
  for (const [row] of await statements.results()) {
    written += row.written;
    onResult?.(row);
  }
  return written;
}

/**
 * Statements of one connection sent one after the other, each as soon as the one before has finished,
 * while the caller prepares the next. (A connection runs one statement at a time anyway; handing pg a
 * query while another is in progress is deprecated and pg@9 refuses it.) After a failure the rest are
 * not sent.
 */
export class StatementChain<T> {
  private tail: Promise<unknown> = Promise.resolve();
  private failed = false;
  private readonly sent: Promise<T>[] = [];

  add(statement: () => Promise<T>): void {
    const result = this.tail.then(() => {
      if (this.failed) throw new Error('not sent: a statement before it failed');
      return statement();
    });
    result.catch(() => (this.failed = true));
    this.tail = result.catch(() => undefined);
    this.sent.push(result);
  }

  /**
   * Every statement's result in order, once all have settled (none is left in flight behind an error);
   * throws the first failure.
   */
  async results(): Promise<T[]> {
    const settled = await Promise.allSettled(this.sent);
    return settled.map((r) => {
      if (r.status === 'rejected') throw r.reason;
      return r.value;
    });
  }
}

/** Both stream ids of every pair. */
export function* pairStreamIds(pairs: readonly ScoredPair[]): Iterable<string> {
  for (const p of pairs) {
    yield p.supplyId;
    yield p.demandId;
  }
}

/**
 * All matching writes serialize on this advisory lock, so each job reads a consistent store and leaves
 * one behind; a statement deleting streams takes it too (migration 1765100000000).
 */
export const MATCHING_LOCK_ID = 7_356_110_043;

/**
 * Starts the matcher's writes in the caller's transaction, before it reads anything:
 * - takes the matching lock, held to the commit: no other matching transaction and no deletion of
 *   streams comes in between, so the streams it reads after this stay until it commits (its writes
 *   skip the reference check, migration 1765100000000);
 * - tells the triggers that forget rank floors after other writers' changes to leave its writes alone
 *   (it keeps the stored floors itself);
 * - lets its commit return before the WAL reaches the disk (synchronous_commit off): what it writes is
 *   derived from the streams, and a transaction a Postgres crash loses is lost whole, matched_version
 *   included, so its streams are dirty again and the sweeper has them matched again (WAL is written in
 *   order: a later commit that did reach the disk took this one along).
 */
export async function beginMatcherWrites(manager: EntityManager): Promise<void> {
  await manager.query(
    `SELECT pg_advisory_xact_lock($1), set_config('symbiose.matcher_writes', 'on', true),
       set_config('synchronous_commit', 'off', true)`,
    [MATCHING_LOCK_ID],
  );
}

/**
 * Those of the streams that exist, for a matcher that did not read them in its transaction (write sets
 * a job deferred past its first commit). Under the matching lock (beginMatcherWrites) none of them can be
 * deleted before the commit.
 */
export async function existingStreams(
  manager: EntityManager,
  streamIds: Iterable<string>,
): Promise<Set<string>> {
  const ids = [...new Set(streamIds)];
  if (ids.length === 0) return new Set();
  const rows = (await manager.query(`SELECT id FROM streams WHERE id = ANY($1::uuid[])`, [
    uuidArray(ids),
  ])) as { id: string }[];
  return new Set(rows.map((r) => r.id));
}

/** A proposed match nobody has acted on yet; once either side shows interest it is kept like any acted-on match. */
const UNTOUCHED = `(m.status = 'proposed' AND m.supply_interest IS NULL AND m.demand_interest IS NULL)`;

/**
 * Pairs that no longer qualify: proposed rows become expired; acted-on rows keep their status and are
 * flagged stale. `pairs` are [supplyId, demandId].
 */
export async function markNotQualifying(
  manager: EntityManager,
  pairs: readonly [string, string][],
): Promise<void> {
  if (pairs.length === 0) return;
  await manager.query(
    `UPDATE matches m SET
       status = CASE WHEN ${UNTOUCHED} THEN 'expired' ELSE m.status END,
       version = CASE WHEN ${UNTOUCHED} THEN m.version + 1 ELSE m.version END,
       stale = NOT (${UNTOUCHED}),
       qualifies = false, updated_at = now()
     FROM unnest($1::uuid[], $2::uuid[]) AS t(supply, demand)
     WHERE m.supply_stream_id = t.supply AND m.demand_stream_id = t.demand AND m.qualifies`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );
}

/** Qualifying pairs that fell out of every top K: proposed rows are deleted (acted-on rows are never deleted). */
export async function deleteProposed(
  manager: EntityManager,
  pairs: readonly [string, string][],
): Promise<void> {
  if (pairs.length === 0) return;
  await manager.query(
    `DELETE FROM matches m USING unnest($1::uuid[], $2::uuid[]) AS t(supply, demand)
     WHERE m.supply_stream_id = t.supply AND m.demand_stream_id = t.demand AND ${UNTOUCHED}`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );
}
