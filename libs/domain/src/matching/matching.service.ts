import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig, collectGarbage, JobQueue } from '@symbiose/core';
import { CATEGORIES, CURRENT_FACTOR_SET, ENGINE_VERSION, maskOfFlags } from '@symbiose/engine';
import { DataSource, EntityManager } from 'typeorm';
import { requestAllocation } from '../allocation/allocation-trigger';
import { matchFromScratch } from './full-match';
import { ScoringPool } from './full-match.pool';
import { MatchStateCache } from './match-state.cache';
import { analyzeMatches, MatchTableRebuild, validateMatchesReferences } from './match-table-rebuild';
import {
  deleteProposed,
  beginMatcherWrites,
  existingStreams,
  MATCHING_LOCK_ID,
  markNotQualifying,
  pairStreamIds,
  PIPELINED_STATEMENT_ROWS,
  upsertPairs,
} from './match-writer';
import { int4Array, textArray, uuidArray } from './pg-binary-arrays';
import {
  MatchableStream,
  ScoredPair,
  snapshotAllSql,
  snapshotSql,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
} from './matching.types';
import { CandidateTable, scoreAgainst, scoreAgainstBounded, scorePairOf } from './pair-scoring';
import { compareRank, pairKey, RankKey, topK } from './pair-ranking';
import {
  categoryFloorsJson,
  floorOffset,
  floorsExcluding,
  NeighbourFloor,
  rankedRowsOf,
  storedRank,
} from './rank-floors';
import { reachBox } from './reach-box';

export { MATCHING_LOCK_ID };

/**
 * Statements queued one after another per lane while the caller goes on (a lane's connection runs one
 * at a time anyway; a full re-match over a stored store writes on two, see MatchTableRebuild.laneOf);
 * the first failure stops the rest, on every lane, and is thrown by `drain` or `add`.
 */
class SerialWrites {
  private readonly tails: Promise<void>[] = [];
  private failure: { error: unknown } | null = null;
  /** Time with a write in progress (its preparation here and its statements in Postgres), summed over the lanes. */
  busyMs = 0;
  /** Sum of what the writes returned (rows written). */
  written = 0;

  /** `laneOf`: the lane a category's writes go on (MatchTableRebuild.laneOf). */
  constructor(private readonly laneOf: (category: string) => number) {}

  /** Queues `write`, one of `category`'s, behind the writes on that category's lane. */
  add(write: () => Promise<number>, category: string): void {
    if (this.failure) throw this.failure.error;
    const lane = this.laneOf(category);
    this.tails[lane] = (this.tails[lane] ?? Promise.resolve()).then(async () => {
      if (this.failure) return;
      const started = performance.now();
      try {
        this.written += await write();
      } catch (error) {
        this.failure = { error };
      }
      this.busyMs += performance.now() - started;
    });
  }

  /** Waits for every write queued so far; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.tails);
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every write queued so far, never throws (for cleanup after another error). */
  async settle(): Promise<void> {
    await Promise.all(this.tails);
  }
}

/** Scored, qualifying and kept pairs of a full re-match, over its categories. */
interface RunTotals {
  qualifying: number;
  scored: number;
  kept: number;
}

function addTotals(totals: RunTotals, qualifying: number, scored: number, kept: number): void {
  totals.qualifying += qualifying;
  totals.scored += scored;
  totals.kept += kept;
}

/**
 * A full re-match's progress: streams done over its categories (scored one after the other or side
 * by side), reported one call at a time, a report asked for while one runs folded into the next.
 */
class RunProgress {
  private readonly done = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private queued = false;

  constructor(
    private readonly total: number,
    private readonly onProgress?: (done: number, total: number) => Promise<void> | void,
  ) {}

  /** Settles once this report (or a later one) is made; rejects, as every later call does, if one failed. */
  report(category: string, done: number): Promise<void> {
    this.done.set(category, done);
    const onProgress = this.onProgress;
    if (!onProgress || this.queued) return this.chain;
    this.queued = true;
    this.chain = this.chain.then(async () => {
      this.queued = false;
      let sum = 0;
      for (const n of this.done.values()) sum += n;
      await onProgress(sum, this.total);
    });
    return this.chain;
  }

  /** Waits for the reports asked for; throws the first failure. */
  settled(): Promise<void> {
    return this.chain;
  }
}

/** What a full re-match's categories write through (see fullRematch). */
interface RunWrites {
  writes: SerialWrites;
  /** Each category's floors, settled once queued as a write. */
  floorWrites: Promise<void>[];
  rebuild: MatchTableRebuild;
  byId: ReadonlyMap<string, MatchableStream>;
}

/** Encoded statements (PIPELINED_STATEMENT_ROWS pairs each) a scoring thread may send ahead of the writer. */
const THREAD_CHUNKS_AHEAD = 40;

export interface FullRematchResult {
  streams: number;
  qualifying: number;
  scored: number;
  kept: number;
  written: number;
  /** Scoring in memory (matchFromScratch), all categories. */
  computeMs: number;
  /** Snapshot of the streams into the processed state and the in-memory catch-up. */
  snapshotMs: number;
  /**
   * Reading the stored rows, writing the kept pairs, expiries, deletions and stored floors; summed over
   * the write lanes (two over a stored store, see MatchTableRebuild.laneOf), so it may exceed totalMs.
   */
  writeMs: number;
  /**
   * After the scoring and the writes queued by then: carrying the remaining stored rows over, building
   * the new table's indexes (meanwhile the last floors are written, then matched_version and the final
   * catch-up), swapping the tables and the commit.
   */
  swapMs: number;
  /**
   * From the swap's exclusive lock to the commit: readers of matches (and of the tables referencing it)
   * wait this long.
   */
  exclusiveMs: number;
  /** Checking the references to matches after the commit (validateMatchesReferences). */
  validateMs: number;
  /** Taking the statistics of matches after the commit (analyzeMatches). */
  analyzeMs: number;
  /** The full garbage collection after the commit. */
  gcMs: number;
  totalMs: number;
}

export interface MatchStreamResult {
  streamId: string;
  version: number | null;
  /** Qualifying pairs scored. */
  pairs: number;
  /** Candidates not scored: their score ceiling could reach neither the stream's top K nor the counterpart's. */
  skipped: number;
  kept: number;
  recomputedCounterparts: number;
  /** Candidates taken from the in-memory state (reach box, partitions, other companies). */
  candidates: number;
  /** Finding the candidates in the in-memory state. */
  lookupMs: number;
  /** Syncing the in-memory state with the store first (rows written by other jobs since). */
  syncMs: number;
  /** Lookup + scoring + any counterpart recomputation; excludes the sync and every read or write of matches. */
  computeMs: number;
  /**
   * CPU time of the worker process during the lookup and scoring (every thread: the collector's
   * helpers too); far below computeMs when the process waited for a core (wall time it did not run).
   */
  computeCpuMs: number;
  /** Reading the stored matches the decision needs: the stream's own, counterparts' K-th best, push-outs. */
  readMs: number;
  /** Writing the result: upsert, expiries, deletions, forgetting the floors the change may have moved. */
  writeMs: number;
  /** The whole job from its first statement to just before commit (lock wait included). */
  totalMs: number;
  /**
   * Rows of the write set left for a second transaction (pairs entering other streams' lists beyond the
   * stream's own top K, and the pairs they push out), 0 when the job wrote everything at once.
   */
  deferred: number;
  /**
   * After the commit (the stream's top K already readable): the deferred part of the write set, if any,
   * and the forgotten floors taken again from the store.
   */
  afterCommitMs: number;
}

interface StoredRank extends RankKey {
  status: string;
  qualifies: boolean;
  /** A party acted on it (interest, decline, approval…): never deleted or expired by re-matching. */
  actedOn: boolean;
  /** The rest of what upsertPairs compares before it rewrites a row. */
  exchanged: number;
  distanceKm: number;
  flagMask: number;
  engineVersion: string;
  factorSetVersion: string;
}

/**
 * True when the stored row already carries the pair's estimate, so upsertPairs would leave it as it is
 * (the columns its conflict update compares, for a row that qualifies and has not expired).
 */
function rowHolds(old: StoredRank, p: ScoredPair): boolean {
  return (
    old.qualifies &&
    old.status !== 'expired' &&
    old.score === p.score &&
    old.energy === p.energy &&
    old.routeKm === p.routeKm &&
    old.exchanged === p.exchanged &&
    old.distanceKm === p.distanceKm &&
    old.flagMask === maskOfFlags(p.flags) &&
    old.engineVersion === ENGINE_VERSION &&
    old.factorSetVersion === CURRENT_FACTOR_SET.version
  );
}

/** Streams per category and direction whose scoring warms up the incremental path (warmUpScoring). */
const WARM_UP_STREAMS = 5;

@Injectable()
export class MatchingService {
  private readonly logger = new Logger(MatchingService.name);
  /**
   * The candidate table every job's lookup fills (see MatchStateCache.candidateTableOf): filled and
   * scored without an await in between, so jobs of this process never share it.
   */
  private readonly candidateScratch = new CandidateTable(4096);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly state: MatchStateCache,
    @Optional() private readonly queue?: JobQueue,
  ) {}

  /**
   * One locked matching transaction: in-process callers queue on the cache, processes on the advisory
   * lock; the in-memory state is synced once the lock is held and dropped if the transaction fails.
   */
  private locked<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.state.exclusive(async () => {
      try {
        return await this.db.transaction(async (m) => {
          await beginMatcherWrites(m);
          // Before anything is read: the store as the last job left it, its deferred writes included.
          await this.applyPendingWrites(m);
          return fn(m);
        });
      } catch (err) {
        this.state.invalidate();
        throw err;
      }
    });
  }

  get k(): number {
    return this.config.MATCH_TOP_K;
  }

  /** MATCH_DEFER_AFTER (AppConfig). */
  get deferAfter(): number {
    return this.config.MATCH_DEFER_AFTER;
  }

  /** The state load the incremental scoring was last warmed up on. */
  private warmedLoad = -1;

  /**
   * Runs an incremental job's scoring (candidate scan and bounded scoring, nothing written) for a few
   * streams of every category and direction, so that the first jobs after the state is loaded, or
   * after a full re-match, run optimized code: in the bench the first six jobs after a re-match took
   * 11–15 ms of compute where the ones after them took 2–5 ms.
   */
  private warmUpScoring(): void {
    this.warmedLoad = this.state.loads;
    const byKind = new Map<string, MatchableStream[]>();
    for (const s of this.state.all()) {
      if (s.status !== 'active') continue;
      const key = `${s.category}/${s.direction}`;
      const list = byKind.get(key) ?? [];
      list.push(s);
      byKind.set(key, list);
    }
    const none = new Map<string, unknown>();
    for (const list of byKind.values()) {
      // Spread over the list, which is in the order of place.
      for (let j = 0; j < Math.min(WARM_UP_STREAMS, list.length); j++) {
        const s = list[Math.floor(((j + 0.5) * list.length) / WARM_UP_STREAMS)];
        scoreAgainstBounded(s, this.state.candidateTableOf(s, this.candidateScratch), this.k, none);
      }
    }
  }

  /**
   * Brings one stream's matches up to date, and every other stream's list the change touches, so that
   * the stored proposed matches equal what a from-scratch run would keep (top K of either side).
   */
  async matchStream(streamId: string): Promise<MatchStreamResult> {
    const jobStarted = performance.now();
    const done = await this.locked(async (m) => {
      // Take the stream's current data into the processed state; everything else is read from that state.
      await m.query(snapshotSql('id = $1'), [streamId]);
      const synced = performance.now();
      await this.state.sync(m);
      const syncMs = performance.now() - synced;
      if (this.state.loads !== this.warmedLoad) this.warmUpScoring();
      const stream = this.state.get(streamId);
      if (!stream) {
        const none = {
          pairs: 0,
          skipped: 0,
          kept: 0,
          recomputedCounterparts: 0,
          candidates: 0,
          lookupMs: 0,
          computeMs: 0,
          computeCpuMs: 0,
        };
        const io = { readMs: 0, writeMs: 0, totalMs: performance.now() - jobStarted, deferred: 0 };
        return { streamId, version: null, ...none, syncMs, ...io, touched: new Set<string>() };
      }
      // The stream's stored pairs first: scoring skips candidates that can enter neither list, never these.
      const storedStarted = performance.now();
      const counterpartOf = (p: StoredRank) => (stream.direction === 'supply' ? p.demandId : p.supplyId);
      const rows = await this.storedRowsOf(m, stream);
      const stored = new Map(rows.pairs.map((p) => [counterpartOf(p), p]));
      const storedReadMs = performance.now() - storedStarted;
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const candidates =
        stream.status === 'active'
          ? this.state.candidateTableOf(stream, this.candidateScratch)
          : new CandidateTable();
      const lookupMs = performance.now() - started;
      const { pairs: newPairs, skipped } = scoreAgainstBounded(stream, candidates, this.k, stored);
      const candidateCount = candidates.length;
      let computeMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      const computeCpuMs = (cpu.user + cpu.system) / 1000;
      const result = await this.applyStreamChange(m, stream, newPairs, stored, rows.unlisted);
      computeMs += result.extraComputeMs;
      await m.query(`UPDATE streams SET matched_version = $2 WHERE id = $1 AND version = $2`, [
        stream.id,
        stream.version,
      ]);
      return {
        streamId,
        version: stream.version,
        pairs: newPairs.length,
        skipped,
        kept: result.kept,
        recomputedCounterparts: result.recomputed,
        candidates: candidateCount,
        lookupMs,
        syncMs,
        computeMs,
        computeCpuMs,
        readMs: storedReadMs + result.readMs,
        writeMs: result.writeMs,
        totalMs: performance.now() - jobStarted,
        deferred: result.deferred,
        touched: result.touched,
      };
    });
    // After the commit that made the stream's matches readable, a second transaction: its start applies
    // the deferred part of the write set, if the job left one (any matching transaction would, before
    // reading anything), and it takes again the floors the job forgot. Unknown floors are read from the
    // store, so always safe: a failure of that part alone leaves them for the next job that touches them.
    // A failure with deferred writes fails the job, which is retried (and the writes stay queued).
    const { touched, ...result } = done;
    const afterCommitStarted = performance.now();
    if (touched.size > 0 || result.deferred > 0) {
      const after = this.locked(async (m) => {
        // refreshFloors reads only the touched streams' directions from the in-memory state, which the
        // job's own transaction left current; one sync afterwards takes the refreshed floors in now,
        // while the stream is already readable, rather than at the start of this worker's next job
        // (hundreds of rows after a big change: 10–17 ms of its sync).
        await this.refreshFloors(m, touched);
        await this.state.sync(m);
      });
      if (result.deferred > 0) await after;
      else await after.catch((err: Error) => this.logger.warn(`rank floors left unknown: ${err.message}`));
    }
    await requestAllocation(this.queue); // debounced region-wide allocation, after commit
    return { ...result, afterCommitMs: performance.now() - afterCommitStarted };
  }

  /**
   * Applies write sets that jobs deferred and did not get to apply (a worker that died between its two
   * transactions); the sweeper calls it. Returns whether there were any.
   */
  async applyLeftPendingWrites(): Promise<boolean> {
    const [{ pending }] = (await this.db.query(
      `SELECT EXISTS (SELECT 1 FROM matcher_pending_writes) AS pending`,
    )) as { pending: boolean }[];
    if (pending) await this.locked(async () => undefined); // the transaction's start applies them
    return pending;
  }

  /**
   * The deferred parts of big jobs' write sets (see applyStreamChange), oldest first, applied and
   * removed. Runs at the start of every matching transaction, so no decision reads the store between a
   * job's two commits.
   */
  private async applyPendingWrites(m: EntityManager): Promise<void> {
    const rows = (await m.query(
      `SELECT id, upserts, deletes, touched::text[] AS touched FROM matcher_pending_writes ORDER BY id`,
    )) as { id: string; upserts: string; deletes: string; touched: string[] }[];
    if (rows.length === 0) return;
    for (const row of rows) {
      const upserts = JSON.parse(row.upserts) as ScoredPair[];
      // Only tests and administrators delete streams; a deleted stream took its matches along.
      const existing = await existingStreams(m, pairStreamIds(upserts));
      await upsertPairs(
        m,
        upserts.filter((p) => existing.has(p.supplyId) && existing.has(p.demandId)),
      );
      await deleteProposed(m, JSON.parse(row.deletes) as [string, string][]);
      await this.forgetFloors(m, new Set(row.touched));
    }
    await m.query(`DELETE FROM matcher_pending_writes WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
  }

  /**
   * `newPairs` holds every pair that can rank in s's top K or its counterpart's, and one per stored pair
   * that qualifies; `storedByCounterpart` is s's stored pairs by counterpart.
   */
  private async applyStreamChange(
    m: EntityManager,
    s: MatchableStream,
    newPairs: ScoredPair[],
    storedByCounterpart: ReadonlyMap<string, StoredRank>,
    unlistedCounterparts: ReadonlySet<string>,
  ) {
    const K = this.k;
    const sIsSupply = s.direction === 'supply';
    const other = (p: { supplyId: string; demandId: string }) => (sIsSupply ? p.demandId : p.supplyId);
    const newByCounterpart = new Map(newPairs.map((p) => [other(p), p]));
    const readStarted = performance.now();
    const topOfS = new Set(topK(newPairs, K).map(other));

    const counterparts = [...new Set([...newByCounterpart.keys(), ...storedByCounterpart.keys()])];
    const floors = await this.counterpartFloors(m, s, counterparts, storedByCounterpart);
    const floorsMs = performance.now() - readStarted;

    const keep: ScoredPair[] = [];
    const recompute = new Set<string>();
    const pushOuts: RankKey[] = [];
    for (const c of counterparts) {
      const next = newByCounterpart.get(c);
      const old = storedByCounterpart.get(c);
      const floor = floors.get(c) ?? {};
      const oldInTopOfC = !!old && old.qualifies && (!floor.k || compareRank(old, floor.k) < 0);
      let inTopOfC = false;
      if (oldInTopOfC) {
        // c's top K held the old pair; its other K-1 best are stored, its K-th best other pair may not be.
        if (K >= 2 && !floor.kMinus1) inTopOfC = !!next;
        else if (K >= 2 && next && floor.kMinus1 && compareRank(next, floor.kMinus1) < 0) inTopOfC = true;
        else recompute.add(c);
      } else if (next) {
        if (!floor.k) inTopOfC = true;
        else if (compareRank(next, floor.k) < 0) {
          inTopOfC = true;
          pushOuts.push(floor.k);
        }
      }
      if (next && !recompute.has(c) && (inTopOfC || topOfS.has(c))) keep.push(next);
    }

    // Counterparts whose K-th best may be unstored: score them in full to find who enters their top K.
    const started = performance.now();
    const entrants: ScoredPair[] = [];
    if (recompute.size > 0) {
      for (const id of recompute) {
        const c = this.state.get(id);
        if (!c) continue;
        const pairs = c.status === 'active' ? scoreAgainst(c, this.state.candidatesOf(c)) : [];
        const top = topK(pairs, K);
        const topKeys = new Set(top.map((p) => pairKey(p.supplyId, p.demandId)));
        for (const p of top) {
          const counterpartOfC = c.direction === 'supply' ? p.demandId : p.supplyId;
          if (counterpartOfC !== s.id) entrants.push(p);
        }
        const next = newByCounterpart.get(c.id);
        if (next && (topOfS.has(c.id) || topKeys.has(pairKey(next.supplyId, next.demandId)))) keep.push(next);
        // Reconcile c's whole list: a stored pair that the fresh top K no longer holds stays only if it is
        // in its other side's top K (stale scores of streams still in the queue can make more than one leave).
        for (const stored of await this.storedPairsOf(m, c)) {
          const otherOfC = c.direction === 'supply' ? stored.demandId : stored.supplyId;
          if (otherOfC === s.id || !stored.qualifies || stored.actedOn) continue;
          if (!topKeys.has(pairKey(stored.supplyId, stored.demandId))) pushOuts.push(stored);
        }
      }
    }
    const extraComputeMs = performance.now() - started;

    const keptKeys = new Set(keep.map((p) => pairKey(p.supplyId, p.demandId)));
    // Acted-on rows always carry a fresh estimate while they qualify, kept in top K or not.
    for (const [c, old] of storedByCounterpart) {
      const next = newByCounterpart.get(c);
      if (next && old.actedOn && !keptKeys.has(pairKey(next.supplyId, next.demandId))) {
        keep.push(next);
        keptKeys.add(pairKey(next.supplyId, next.demandId));
      }
    }
    const notQualifying: [string, string][] = [];
    const dropped: [string, string][] = [];
    for (const [c, old] of storedByCounterpart) {
      if (!newByCounterpart.has(c)) {
        if (old.qualifies) notQualifying.push([old.supplyId, old.demandId]);
      } else if (!keptKeys.has(pairKey(old.supplyId, old.demandId)) && !old.actedOn) {
        dropped.push([old.supplyId, old.demandId]);
      }
    }
    // A pair pushed out of a counterpart's top K stays only if it is in its other side's top K.
    const pushedStarted = performance.now();
    const pushedOutDrops = await this.notInOtherTopK(m, pushOuts, sIsSupply ? 'supply' : 'demand');
    const readMs = floorsMs + (performance.now() - pushedStarted);

    const writeStarted = performance.now();
    // The stream's own top K and its own rows that leave (expired, dropped) are written now; the pairs
    // it enters other streams' lists with, the entrants and the pairs pushed out of those lists may be
    // many (600 rows when a new stream outranks the K-th best of hundreds): past MATCH_DEFER_AFTER rows
    // (0 by default: any) they are queued in this transaction and applied right after its commit
    // (matchStream), so the stream's matches are readable without waiting for the corrections of other
    // lists; the queued write also stands in for forgetting the touched floors, which it does first.
    // A kept pair whose row already holds this estimate is left alone (upsertPairs would write nothing),
    // so a re-run with nothing new (an edit of a description) neither writes it nor defers on its account.
    const changed = keep.filter((p) => {
      const old = storedByCounterpart.get(other(p));
      return !old || !rowHolds(old, p);
    });
    const ownTop = changed.filter((p) => topOfS.has(other(p)));
    const others = [...changed.filter((p) => !topOfS.has(other(p))), ...entrants];
    const defer = others.length + pushedOutDrops.length > this.config.MATCH_DEFER_AFTER;
    const writtenNow = defer ? ownTop : [...changed, ...entrants];
    // Every stream paired here is in the state synced under the matching lock: none can be gone. When
    // all the pairs are s's own, which of them have rows is known from s's rows read above.
    const ownOnly = writtenNow.every((p) => (sIsSupply ? p.supplyId : p.demandId) === s.id);
    const storedAt = ownOnly
      ? new Set(
          writtenNow.flatMap((p, i) =>
            storedByCounterpart.has(other(p)) || unlistedCounterparts.has(other(p)) ? [i] : [],
          ),
        )
      : undefined;
    await upsertPairs(m, writtenNow, PIPELINED_STATEMENT_ROWS, storedAt);
    await markNotQualifying(m, notQualifying);
    const deleted = [...dropped, ...pushedOutDrops];
    await deleteProposed(m, defer ? dropped : deleted);
    // Streams whose floors (ranks K-1 … K+1) may have moved: s, and each side of a pair written or removed
    // whose old or new rank key reaches that side's stored (K+1)-th best. A change further down a list
    // leaves its first K+1 ranks where they were. Entrants (from recomputations) always count.
    const storedKeys = new Map<string, RankKey>();
    for (const old of storedByCounterpart.values()) storedKeys.set(pairKey(old.supplyId, old.demandId), old);
    for (const p of pushOuts) storedKeys.set(pairKey(p.supplyId, p.demandId), p);
    const touched = new Set<string>([s.id]);
    const touch = (pair: { supplyId: string; demandId: string }, ...keys: (RankKey | undefined)[]) => {
      for (const id of [pair.supplyId, pair.demandId]) {
        if (!touched.has(id) && this.floorsMayMove(id, keys)) touched.add(id);
      }
    };
    for (const p of changed) touch(p, p, storedKeys.get(pairKey(p.supplyId, p.demandId)));
    for (const p of entrants) touched.add(p.supplyId).add(p.demandId);
    for (const [supplyId, demandId] of [...notQualifying, ...deleted]) {
      const key = storedKeys.get(pairKey(supplyId, demandId));
      if (key) touch({ supplyId, demandId }, key);
      else touched.add(supplyId).add(demandId);
    }
    if (defer) {
      await m.query(
        `INSERT INTO matcher_pending_writes (stream_id, upserts, deletes, touched) VALUES ($1, $2, $3, $4::uuid[])`,
        [s.id, JSON.stringify(others), JSON.stringify(pushedOutDrops), [...touched]],
      );
    } else {
      await this.forgetFloors(m, touched);
    }
    const writeMs = performance.now() - writeStarted;
    const deferred = defer ? others.length + pushedOutDrops.length : 0;
    return {
      kept: keep.length,
      recomputed: recompute.size,
      extraComputeMs,
      readMs,
      writeMs,
      touched,
      deferred,
    };
  }

  /**
   * Full re-match of every stream from scratch (in-memory spatial index), then one transaction that
   * makes the store equal to the result. Idempotent: re-running it writes nothing new.
   */
  async fullRematch(
    onProgress?: (done: number, total: number) => Promise<void> | void,
  ): Promise<FullRematchResult> {
    const started = performance.now();
    let computeMs = 0;
    let snapshotMs = 0;
    let writeMs = 0;
    let swapStarted = 0;
    let exclusiveSince: number | null = null;
    let streamCount = 0;
    const totals: RunTotals = { qualifying: 0, scored: 0, kept: 0 };
    // One locked transaction: incremental jobs wait, and the processed state, the matches and
    // matched_version all move together to the data read here.
    const written = await this.locked(async (m) => {
      for (const sql of snapshotAllSql()) await m.query(sql);
      await this.state.sync(m);
      snapshotMs = performance.now() - started;
      const streams = this.state.all();
      streamCount = streams.length;
      const byId = new Map(streams.map((s) => [s.id, s]));
      // Every pair written below is between active streams read under the matching lock, which a
      // deletion of streams waits for: no reference check per match row.
      const active = streams.filter((s) => s.status === 'active');
      // Progress counts streams: each finds its own top K (see matchFromScratch).
      const progress = new RunProgress(active.length, onProgress);
      // The run writes the matches table anew and swaps it in at the end (MatchTableRebuild).
      const count = await MatchTableRebuild.within(m, this.db, async (rebuild) => {
        const writes = new SerialWrites((category) => rebuild.laneOf(category));
        // Each category's floors, queued as a write once worked out (see reconcileCategory).
        const floorWrites: Promise<void>[] = [];
        const run: RunWrites = { writes, floorWrites, rebuild, byId };
        const byCategory = new Map<string, MatchableStream[]>(CATEGORIES.map((c) => [c, []]));
        for (const s of streams) byCategory.get(s.category)?.push(s);
        const pool =
          this.config.MATCH_SCORING_THREADS > 0 && active.length >= this.config.MATCH_THREADS_MIN_STREAMS
            ? new ScoringPool(this.config.MATCH_SCORING_THREADS, {
                youngGenerationMb: this.config.MATCH_THREAD_YOUNG_GENERATION_MB,
              })
            : null;
        try {
          const computeStarted = performance.now();
          if (pool) {
            await this.scoreInThreads(m, pool, byCategory, run, progress, totals);
          } else {
            await this.scoreInProcess(m, byCategory, run, progress, totals);
          }
          computeMs = performance.now() - computeStarted;
          // Every row is written and every category reconciled once the writes queued so far are done.
          // The floors still being worked out (in a scoring thread) or written go on, on this
          // connection, while the new table's indexes are built on two others; the swap comes last.
          await writes.drain();
          swapStarted = performance.now();
          const [indexed, floored] = await Promise.allSettled([
            rebuild.buildIndexes(),
            Promise.all(floorWrites)
              .then(() => writes.drain())
              .then(() => this.finishRun(m, streams)),
          ]);
          if (indexed.status === 'rejected') throw indexed.reason;
          if (floored.status === 'rejected') throw floored.reason;
          // The swap comes last, so that the commit follows it at once: from its lock on, readers wait.
          await rebuild.swap(m);
          exclusiveSince = rebuild.exclusiveSince;
        } finally {
          // Never leave a statement of this transaction in flight behind an error.
          await writes.settle();
          await pool?.close();
        }
        writeMs = writes.busyMs;
        return writes.written;
      });
      return count;
    });
    const committed = performance.now();
    const swapMs = committed - swapStarted;
    const exclusiveMs = exclusiveSince === null ? 0 : committed - exclusiveSince;
    // The new table's statistics (see analyzeMatches), first: readers' plans and the reference checks
    // below are made from them.
    const analyzeStarted = performance.now();
    await analyzeMatches(this.db).catch((err: Error) =>
      this.logger.warn(`statistics of matches left to autovacuum: ${err.message}`),
    );
    const analyzeMs = performance.now() - analyzeStarted;
    // The references the swap re-added unchecked (see MatchTableRebuild.swap), checked without blocking.
    // The run is committed: a check that fails is left to the sweeper rather than failing the run.
    const validateStarted = performance.now();
    await validateMatchesReferences(this.db).catch((err: Error) =>
      this.logger.warn(`references to matches left for the sweeper to check: ${err.message}`),
    );
    const validateMs = performance.now() - validateStarted;
    // The run leaves gigabytes of garbage (its pairs, the write parameters): collected now, in one go,
    // rather than by concurrent marking during the jobs that come next.
    const gcStarted = performance.now();
    collectGarbage();
    const gcMs = performance.now() - gcStarted;
    this.warmUpScoring();
    await requestAllocation(this.queue); // debounced region-wide allocation, after commit
    return {
      streams: streamCount,
      ...totals,
      written,
      computeMs,
      snapshotMs,
      writeMs,
      swapMs,
      exclusiveMs,
      validateMs,
      analyzeMs,
      gcMs,
      totalMs: performance.now() - started,
    };
  }

  /**
   * The run's last writes outside the matches table, once every floor is written: matched_version of
   * the streams it matched, and the catch-up of the in-memory state (every stream's floors moved: taken
   * in now, so the next incremental job does not pay for it). Neither reads matches, so both go before
   * the swap, while the indexes are built, instead of inside its exclusive lock.
   */
  private async finishRun(m: EntityManager, streams: readonly MatchableStream[]): Promise<void> {
    await m.query(
      `UPDATE streams s SET matched_version = t.version
       FROM unnest($1::uuid[], $2::int[]) AS t(id, version)
       WHERE s.id = t.id AND s.version = t.version AND s.matched_version <> t.version`,
      [uuidArray(streams.map((s) => s.id)), int4Array(streams.map((s) => s.version))],
    );
    await this.state.sync(m);
  }

  /**
   * Scores the categories one after the other on this thread, smallest first, largest last. A
   * category's last writes (its demands' K best, the rows that no longer belong, the floors) run while
   * the next category is scored, and the pairs it kept stay in memory until then: after a small
   * category that is little, and the largest runs with nothing else held.
   */
  private async scoreInProcess(
    m: EntityManager,
    byCategory: ReadonlyMap<string, MatchableStream[]>,
    run: RunWrites,
    progress: RunProgress,
    totals: RunTotals,
  ): Promise<void> {
    const { writes, rebuild } = run;
    const order = [...byCategory.keys()].sort(
      (a, b) => byCategory.get(a)!.length - byCategory.get(b)!.length,
    );
    for (const category of order) {
      const ofCategory = byCategory.get(category)!;
      const result = await matchFromScratch(ofCategory, this.k, (done) => progress.report(category, done), {
        batch: this.config.MATCH_WRITE_BATCH,
        take: (pairs) => writes.add(() => rebuild.write(pairs), category),
      });
      const { kept, handedOver } = result;
      addTotals(totals, result.qualifying, result.scored, kept.length);
      const ids = ofCategory.map((s) => s.id);
      writes.add(async () => {
        // The kept pairs not written yet go in first: then the stored rows the run has not rewritten
        // are exactly those outside the kept set. (write() encodes one statement at a time.)
        const count = await rebuild.write(kept.slice(handedOver));
        return (
          count +
          (await this.reconcileCategory(m, category, ids, run, (extra) => {
            for (const p of extra) kept.push(p);
            return categoryFloorsJson(ids, rankedRowsOf(kept), this.k);
          }))
        );
      }, category);
    }
  }

  /**
   * Scores the categories side by side in worker threads (ScoringPool), largest first, each to the
   * first thread free, while this thread writes what they send. The threads send the kept pairs
   * encoded for the writer and hold off while the writer is more than a few statements behind, so the
   * pairs waiting for Postgres stay few; a category's floors are worked out in its thread too.
   */
  private async scoreInThreads(
    m: EntityManager,
    pool: ScoringPool,
    byCategory: ReadonlyMap<string, MatchableStream[]>,
    run: RunWrites,
    progress: RunProgress,
    totals: RunTotals,
  ): Promise<void> {
    const { writes, rebuild } = run;
    const order = [...byCategory.keys()].sort(
      (a, b) => byCategory.get(b)!.length - byCategory.get(a)!.length,
    );
    const job = {
      k: this.k,
      batch: this.config.MATCH_WRITE_BATCH,
      rowsPerStatement: PIPELINED_STATEMENT_ROWS,
      chunksAhead: THREAD_CHUNKS_AHEAD,
    };
    await Promise.all(
      order.map(async (category) => {
        const ofCategory = byCategory.get(category)!;
        const result = await pool.match(category, ofCategory, job, {
          rows: (chunks) =>
            writes.add(async () => {
              const written = await rebuild.writeEncoded(category, chunks);
              // Copied: the statements' memory goes back to the thread for the next ones.
              pool.written(
                category,
                chunks.length,
                chunks.map(([data]) => (data as Buffer).buffer as ArrayBuffer),
              );
              return written;
            }, category),
          // Its failure is the run's, thrown by progress.settled() below.
          progress: (done) => void progress.report(category, done).catch(() => undefined),
        });
        addTotals(totals, result.qualifying, result.scored, result.kept);
        const ids = ofCategory.map((s) => s.id);
        writes.add(
          () => this.reconcileCategory(m, category, ids, run, (extra) => pool.floors(category, ids, extra)),
          category,
        );
      }),
    );
    await progress.settled();
  }

  /**
   * Makes the store's rows of one category equal to a full re-match's kept pairs, all of them written
   * already (staged, over a stored store: merged with their stored rows first); returns rows written.
   * The stored rows not rewritten are expired, flagged stale, dropped or
   * carried over; acted-on pairs among them that still qualify are re-scored and written, and
   * `floorsWith` gives every stream's floors over the kept pairs and those (by position in `ids`),
   * written once they are there: the writes queued behind go on meanwhile.
   */
  private async reconcileCategory(
    m: EntityManager,
    category: string,
    ids: string[],
    run: RunWrites,
    floorsWith: (extra: ScoredPair[]) => Promise<string[]> | string[],
  ): Promise<number> {
    const { rebuild, byId, writes } = run;
    const merged = await rebuild.mergeStaged(category);
    const existing = await rebuild.storedNotRewritten(category);
    const extra: ScoredPair[] = [];
    const asIs: string[] = [];
    const notQualifying: string[] = [];
    for (const row of existing) {
      if (!row.live) {
        asIs.push(row.id); // expired and not qualifying: left as it is, as before the rebuild
        continue;
      }
      const supply = byId.get(row.supply_stream_id);
      const demand = byId.get(row.demand_stream_id);
      const pair =
        supply &&
        demand &&
        supply.status === 'active' &&
        demand.status === 'active' &&
        supply.companyId !== demand.companyId
          ? scorePairOf(supply, demand)
          : null;
      if (!pair) (row.qualifies ? notQualifying : asIs).push(row.id);
      else if (!row.acted_on) rebuild.drop(row.id);
      else extra.push(pair);
    }
    await rebuild.carry(category, asIs, notQualifying);
    const count = merged + (await rebuild.writeMerged(extra));
    const written = Promise.resolve(floorsWith(extra)).then((floors) =>
      writes.add(async () => {
        const changed = await this.writeFloors(m, ids, floors);
        // Taken into the in-memory state now rather than all at the end of the run.
        const at = new Map(ids.map((id, i) => [id, i]));
        await this.state.takeWrittenFloors(m, changed, (id) => floors[at.get(id)!]);
        return 0;
      }, category),
    );
    written.catch(() => undefined); // awaited by fullRematch; a failure must not go unhandled meanwhile
    run.floorWrites.push(written);
    return count;
  }

  /**
   * Stores each stream's floors (storedFloorsJson, by position in `ids`) in stream_rank_floors where
   * they changed: a run over a current store would otherwise rewrite 100,000 rows with the same floors.
   * Returns the rows changed, with their new sequence numbers.
   */
  private async writeFloors(
    m: EntityManager,
    ids: readonly string[],
    floors: readonly string[],
  ): Promise<{ id: string; seq: string }[]> {
    const batch = this.config.MATCH_WRITE_BATCH;
    const written: { id: string; seq: string }[] = [];
    for (let i = 0; i < ids.length; i += batch) {
      const rows = (await m.query(
        `INSERT INTO stream_rank_floors AS t (stream_id, floors)
         SELECT u.id, u.floors::jsonb FROM unnest($1::uuid[], $2::text[]) AS u(id, floors)
         ON CONFLICT (stream_id) DO UPDATE SET floors = EXCLUDED.floors,
           sync_seq = nextval('stream_match_state_sync_seq')
         WHERE t.floors IS DISTINCT FROM EXCLUDED.floors
         RETURNING t.stream_id AS id, t.sync_seq::text AS seq`,
        // Binary arrays: as a text literal, each JSON value had its quotes escaped here and parsed back.
        [uuidArray(ids.slice(i, i + batch)), textArray(floors.slice(i, i + batch))],
      )) as { id: string; seq: string }[]; // an INSERT's rows come back as the array itself
      for (const row of rows) written.push(row);
    }
    return written;
  }

  /** Active opposite-direction streams of the same category inside the category's reach (lat/lon box on an index). */
  async loadCandidates(m: EntityManager | DataSource, s: MatchableStream): Promise<MatchableStream[]> {
    const box = reachBox(s);
    const rows = (await m.query(
      `SELECT ${STREAM_COLUMNS} FROM stream_match_state
       WHERE category = $1 AND direction = $2 AND status = 'active'
         AND latitude BETWEEN $3 AND $4 AND longitude BETWEEN $5 AND $6 AND company_id <> $7`,
      [
        s.category,
        s.direction === 'supply' ? 'demand' : 'supply',
        box.minLat,
        box.maxLat,
        box.minLon,
        box.maxLon,
        s.companyId,
      ],
    )) as StreamRow[];
    return rows.map(toMatchable);
  }

  private async storedPairsOf(m: EntityManager, s: MatchableStream): Promise<StoredRank[]> {
    return (await this.storedRowsOf(m, s)).pairs;
  }

  /**
   * Every row of s: its stored pairs (storedPairsOf: those that qualify or are not expired), and the
   * counterparts of the others (expired and no longer qualifying: rows a pair that qualifies again has).
   */
  private async storedRowsOf(
    m: EntityManager,
    s: MatchableStream,
  ): Promise<{ pairs: StoredRank[]; unlisted: Set<string> }> {
    const column = s.direction === 'supply' ? 'supply_stream_id' : 'demand_stream_id';
    const rows: {
      supply_stream_id: string;
      demand_stream_id: string;
      score: number;
      energy_saved_mwh: number;
      route_km: number;
      status: string;
      qualifies: boolean;
      acted_on: boolean;
      exchanged_quantity: number;
      distance_km: number;
      flag_mask: number;
      engine_version: string;
      factor_set_version: string;
      listed: boolean;
    }[] = await m.query(
      `SELECT supply_stream_id, demand_stream_id, score, energy_saved_mwh, route_km, status, qualifies,
         (status <> 'proposed' OR supply_interest IS NOT NULL OR demand_interest IS NOT NULL) AS acted_on,
         exchanged_quantity, distance_km, flag_mask, engine_version, factor_set_version,
         (qualifies OR status <> 'expired') AS listed
       FROM matches WHERE ${column} = $1`,
      [s.id],
    );
    const counterpart = (r: (typeof rows)[number]) =>
      s.direction === 'supply' ? r.demand_stream_id : r.supply_stream_id;
    const unlisted = new Set(rows.filter((r) => !r.listed).map(counterpart));
    const pairs = rows
      .filter((r) => r.listed)
      .map((r) => ({
        supplyId: r.supply_stream_id,
        demandId: r.demand_stream_id,
        score: r.score,
        energy: r.energy_saved_mwh,
        routeKm: r.route_km,
        status: r.status,
        qualifies: r.qualifies,
        actedOn: r.acted_on && r.status !== 'expired',
        exchanged: r.exchanged_quantity,
        distanceKm: r.distance_km,
        flagMask: r.flag_mask,
        engineVersion: r.engine_version,
        factorSetVersion: r.factor_set_version,
      }));
    return { pairs, unlisted };
  }

  /**
   * For each counterpart: its (K-1)-th and K-th best stored qualifying pairs, not counting its pair with
   * s. From the floors kept on the processed state when known, else from the matches table.
   */
  private async counterpartFloors(
    m: EntityManager,
    s: MatchableStream,
    counterparts: string[],
    storedByCounterpart: ReadonlyMap<string, StoredRank>,
  ): Promise<Map<string, NeighbourFloor>> {
    const out = new Map<string, NeighbourFloor>();
    const unknown: string[] = [];
    for (const c of counterparts) {
      const stored = this.state.floorsOf(c);
      const old = storedByCounterpart.get(c);
      const floor = stored && floorsExcluding(stored, this.k, old?.qualifies ? old : null);
      if (floor) out.set(c, floor);
      else unknown.push(c);
    }
    if (unknown.length > 0) {
      for (const [c, floor] of await this.floorsFromMatches(m, s, unknown)) out.set(c, floor);
    }
    return out;
  }

  /** False only when the stream's stored list reaches rank K+1 and every key ranks after it. */
  private floorsMayMove(streamId: string, keys: readonly (RankKey | undefined)[]): boolean {
    const K = this.k;
    const floors = this.state.floorsOf(streamId);
    // The list's (K+1)-th best (0-based rank K); missing when the list is shorter, and then any change counts.
    const last = floors && floors.k === K ? storedRank(floors, K) : undefined;
    if (!last) return true;
    return keys.some((key) => key !== undefined && compareRank(key, last) <= 0);
  }

  /**
   * Marks the stored floors of streams whose lists a job changed as unknown (the sequence number moves,
   * so every worker's in-memory state drops them at its next sync), in the job's own transaction.
   */
  private async forgetFloors(m: EntityManager, touched: ReadonlySet<string>): Promise<void> {
    if (touched.size === 0) return;
    await m.query(
      `UPDATE stream_rank_floors SET floors = NULL, sync_seq = nextval('stream_match_state_sync_seq')
       WHERE stream_id = ANY($1::uuid[]) AND floors IS NOT NULL`,
      [[...touched]],
    );
  }

  /**
   * Keeps the stored floors of streams whose stored lists a job changed equal to their lists: read
   * ranks offset+1 … K+1 from the matches table and store them in stream_rank_floors (the sequence
   * number moves, so every worker's in-memory state picks them up at its next sync). Floors that come
   * out as stored are left alone (a stream taken again by two jobs in a row).
   */
  private async refreshFloors(m: EntityManager, touched: ReadonlySet<string>): Promise<void> {
    const supplies: string[] = [];
    const demands: string[] = [];
    for (const id of touched) {
      const stream = this.state.get(id);
      if (stream?.direction === 'supply') supplies.push(id);
      else if (stream?.direction === 'demand') demands.push(id);
    }
    if (supplies.length + demands.length === 0) return;
    const K = this.k;
    const side = (column: 'supply_stream_id' | 'demand_stream_id', param: string) => `
      SELECT c.id, jsonb_build_object('k', $3::int, 'keys', coalesce((
        SELECT jsonb_agg(jsonb_build_array(x.supply_stream_id, x.demand_stream_id, x.score, x.energy_saved_mwh,
                 x.route_km) ORDER BY x.rn)
        FROM (
          SELECT supply_stream_id, demand_stream_id, score, energy_saved_mwh, route_km,
            row_number() OVER (ORDER BY score DESC, energy_saved_mwh DESC, route_km ASC, supply_stream_id,
              demand_stream_id) AS rn
          FROM (
            SELECT supply_stream_id, demand_stream_id, score, energy_saved_mwh, route_km FROM matches
            WHERE ${column} = c.id AND qualifies
            ORDER BY score DESC, energy_saved_mwh DESC, route_km ASC, supply_stream_id, demand_stream_id
            OFFSET $4 LIMIT $5
          ) ranked
        ) x), '[]'::jsonb)) AS floors
      FROM unnest(${param}::uuid[]) AS c(id)`;
    await m.query(
      `INSERT INTO stream_rank_floors AS t (stream_id, floors)
       SELECT f.id, f.floors FROM (${side('supply_stream_id', '$1')} UNION ALL ${side('demand_stream_id', '$2')}) f
       ON CONFLICT (stream_id) DO UPDATE SET floors = EXCLUDED.floors,
         sync_seq = nextval('stream_match_state_sync_seq')
       WHERE t.floors IS DISTINCT FROM EXCLUDED.floors`,
      [supplies, demands, K, floorOffset(K), K + 1 - floorOffset(K)],
    );
  }

  /** For each counterpart: its (K-1)-th and K-th best stored qualifying pairs, not counting pairs with s. */
  private async floorsFromMatches(
    m: EntityManager,
    s: MatchableStream,
    counterparts: string[],
  ): Promise<Map<string, NeighbourFloor>> {
    const out = new Map<string, NeighbourFloor>();
    if (counterparts.length === 0) return out;
    const K = this.k;
    const own = s.direction === 'supply' ? 'supply_stream_id' : 'demand_stream_id';
    const theirs = s.direction === 'supply' ? 'demand_stream_id' : 'supply_stream_id';
    const rows: {
      counterpart: string;
      rn: number;
      supply_stream_id: string;
      demand_stream_id: string;
      score: number;
      energy_saved_mwh: number;
      route_km: number;
    }[] = await m.query(
      `SELECT c.id AS counterpart, f.rn, f.supply_stream_id, f.demand_stream_id, f.score, f.energy_saved_mwh, f.route_km
       FROM unnest($1::uuid[]) AS c(id)
       CROSS JOIN LATERAL (
         SELECT x.*, (GREATEST($3::int - 2, 0) + row_number() OVER ())::int AS rn FROM (
           SELECT supply_stream_id, demand_stream_id, score, energy_saved_mwh, route_km
           FROM matches
           WHERE ${theirs} = c.id AND qualifies AND ${own} <> $2
           ORDER BY score DESC, energy_saved_mwh DESC, route_km ASC, supply_stream_id, demand_stream_id
           OFFSET GREATEST($3::int - 2, 0) LIMIT CASE WHEN $3::int >= 2 THEN 2 ELSE 1 END
         ) x
       ) f`,
      [counterparts, s.id, K],
    );
    for (const r of rows) {
      const key: RankKey = {
        supplyId: r.supply_stream_id,
        demandId: r.demand_stream_id,
        score: r.score,
        energy: r.energy_saved_mwh,
        routeKm: r.route_km,
      };
      const floor = out.get(r.counterpart) ?? {};
      // rn is the 1-based rank: K-1 or K (with K = 1 only the K-th exists).
      if (r.rn === K) floor.k = key;
      else floor.kMinus1 = key;
      out.set(r.counterpart, floor);
    }
    return out;
  }

  /**
   * Pairs pushed out of one side's top K; returns those not in their other side's top K either.
   * `otherSide` names the side whose list must be checked ('supply' when the changed stream is a supply).
   */
  private async notInOtherTopK(
    m: EntityManager,
    pairs: RankKey[],
    otherSide: 'supply' | 'demand',
  ): Promise<[string, string][]> {
    const K = this.k;
    const out: [string, string][] = [];
    const unknown: RankKey[] = [];
    for (const p of pairs) {
      // p sits in its other side's stored list: it is in that side's top K unless it ranks after the
      // list's K-th best (the stored floors are the store as this job found it, like the query below).
      const floors = this.state.floorsOf(otherSide === 'supply' ? p.supplyId : p.demandId);
      if (!floors || floors.k !== K) unknown.push(p);
      else {
        const kth = storedRank(floors, K - 1);
        if (kth && compareRank(p, kth) > 0) out.push([p.supplyId, p.demandId]);
      }
    }
    if (unknown.length > 0) out.push(...(await this.notInOtherTopKFromMatches(m, unknown, otherSide)));
    return out;
  }

  /** notInOtherTopK from the matches table: count up to K better pairs on the other side. */
  private async notInOtherTopKFromMatches(
    m: EntityManager,
    pairs: RankKey[],
    otherSide: 'supply' | 'demand',
  ): Promise<[string, string][]> {
    if (pairs.length === 0) return [];
    const column = otherSide === 'supply' ? 'supply_stream_id' : 'demand_stream_id';
    const rows: { supply: string; demand: string; better: number }[] = await m.query(
      `SELECT t.supply, t.demand, (
         SELECT count(*) FROM (
           SELECT 1 FROM matches b
           WHERE b.${column} = (CASE WHEN $7 = 'supply' THEN t.supply ELSE t.demand END) AND b.qualifies
             AND (b.score > t.score OR (b.score = t.score AND (b.energy_saved_mwh > t.energy OR
                  (b.energy_saved_mwh = t.energy AND (b.route_km < t.route OR (b.route_km = t.route AND
                  (b.supply_stream_id, b.demand_stream_id) < (t.supply, t.demand)))))))
           LIMIT $6
         ) q)::int AS better
       FROM unnest($1::uuid[], $2::uuid[], $3::float8[], $4::float8[], $5::float8[])
         AS t(supply, demand, score, energy, route)`,
      [
        pairs.map((p) => p.supplyId),
        pairs.map((p) => p.demandId),
        pairs.map((p) => p.score),
        pairs.map((p) => p.energy),
        pairs.map((p) => p.routeKm),
        this.k,
        otherSide,
      ],
    );
    return rows.filter((r) => r.better >= this.k).map((r) => [r.supply, r.demand] as [string, string]);
  }
}
