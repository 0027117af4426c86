import { Injectable } from '@nestjs/common';
import { counterpartPartitions, maxReachKm, partitionOf, type Category } from '@symbiose/engine';
import { EntityManager } from 'typeorm';
import { MatchableStream, STREAM_COLUMNS, StreamRow, toMatchable } from './matching.types';
import { CeilingFacts, ceilingFactsOf } from './pair-scoring';
import { parseStoredFloors, StoredFloors, storedRank } from './rank-floors';
import { reachBox } from './reach-box';

const KM_PER_DEGREE = 111.2;

/**
 * Grid cell edge in degrees per category: half the category's reach, so any reach box spans a dozen
 * or so cells whether the reach is 25 km (heat) or 300 km (materials).
 */
function cellDegrees(category: string): number {
  let cell = CELL_DEGREES.get(category);
  if (cell === undefined) {
    const reach = maxReachKm(category as Category);
    cell = Number.isFinite(reach) ? Math.max(0.05, reach / KM_PER_DEGREE / 2) : 1;
    CELL_DEGREES.set(category, cell);
  }
  return cell;
}
const CELL_DEGREES = new Map<string, number>();

/** Cells are numbered row + col × ROWS; 4,000 rows cover every latitude at the smallest cell. */
const ROWS = 4000;

function cellOf(latitude: number, longitude: number, cell: number): number {
  return Math.floor((longitude + 180) / cell) * ROWS + Math.floor((latitude + 90) / cell);
}

interface Entry {
  stream: MatchableStream;
  /** What the score ceilings read of the stream (scoreAgainstBounded). */
  facts: CeilingFacts;
  floors: StoredFloors | null;
  /** Score of the K-th best stored pair (K = floors.k); -Infinity when unknown or the list is shorter. */
  kthBest: number;
  /** floors.k (0 when unknown), on the entry so the grid scan does not load the floors. */
  floorsK: number;
  /** What the grid scan reads, on the entry itself: one object per candidate, not three. */
  latitude: number;
  longitude: number;
  companyId: string;
  /** The grid bucket holding the entry while the stream is active; null otherwise. */
  bucket: Entry[] | null;
}

/**
 * The matcher's processed state (stream_match_state) held in memory by one worker process, with a grid
 * index per direction and candidate partition, so an incremental job finds its candidates without a
 * query returning thousands of rows. It is exact, not a best-effort cache: it is only read inside the
 * matching advisory lock, after `sync` has applied every row written since the last sync (rows carry
 * a sequence number; deletions bump an epoch that forces a reload). A transaction that fails after
 * syncing must call `invalidate`, since rows it read may have been rolled back.
 */
@Injectable()
export class MatchStateCache {
  private readonly entries = new Map<string, Entry>();
  /** direction → partition → cell → entries of active streams. */
  private readonly grids = new Map<string, Map<string, Map<number, Entry[]>>>();
  private lastSeq = '0';
  private epoch: string | null = null;
  /** Serializes users in this process: the advisory lock serializes processes, this the jobs within one. */
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every earlier `exclusive` call of this process has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  get size(): number {
    return this.entries.size;
  }

  invalidate(): void {
    this.epoch = null;
  }

  /** Brings the cache up to the store as `m` sees it (call with the matching lock held). Returns rows applied. */
  async sync(m: EntityManager): Promise<number> {
    const [{ epoch }] = (await m.query(`SELECT epoch::text AS epoch FROM match_state_epoch`)) as {
      epoch: string;
    }[];
    const reload = epoch !== this.epoch;
    const columns = `${STREAM_COLUMNS}, rank_floors, sync_seq::text AS sync_seq`;
    const rows = (await m.query(
      reload
        ? `SELECT ${columns} FROM stream_match_state`
        : `SELECT ${columns} FROM stream_match_state WHERE sync_seq > $1::bigint ORDER BY sync_seq`,
      reload ? [] : [this.lastSeq],
    )) as (StreamRow & { rank_floors: unknown; sync_seq: string })[];
    if (reload) {
      this.entries.clear();
      this.grids.clear();
      this.lastSeq = '0';
      this.epoch = epoch;
    }
    for (const row of rows) {
      this.put(toMatchable(row), parseStoredFloors(row.rank_floors));
      if (BigInt(row.sync_seq) > BigInt(this.lastSeq)) this.lastSeq = row.sync_seq;
    }
    return rows.length;
  }

  get(id: string): MatchableStream | undefined {
    return this.entries.get(id)?.stream;
  }

  /** The stream's stored floors as of the last sync; null when not known. */
  floorsOf(id: string): StoredFloors | null {
    return this.entries.get(id)?.floors ?? null;
  }

  all(): MatchableStream[] {
    return [...this.entries.values()].map((e) => e.stream);
  }

  /**
   * Active streams of the opposite direction, in the partitions `s` can pair with, inside its reach box,
   * of other companies: what MatchingService.loadCandidates selects, without the pairs the engine
   * rejects by partition. With `kthBest`, it also receives each candidate's K-th best stored score
   * for that K (-Infinity when unknown, taken for another K, or the list is shorter), in the same order;
   * with `facts`, what the score ceilings read of each candidate (scoreAgainstBounded), in that order too.
   */
  candidatesOf(
    s: MatchableStream,
    kthBest?: { k: number; scores: number[] },
    facts?: CeilingFacts[],
  ): MatchableStream[] {
    const out: MatchableStream[] = [];
    const grid = this.grids.get(s.direction === 'supply' ? 'demand' : 'supply');
    if (!grid) return out;
    const box = reachBox(s);
    const cell = cellDegrees(s.category);
    const minRow = Math.floor((box.minLat + 90) / cell);
    const maxRow = Math.floor((box.maxLat + 90) / cell);
    const minCol = Math.floor((box.minLon + 180) / cell);
    const maxCol = Math.floor((box.maxLon + 180) / cell);
    for (const key of counterpartPartitions(s)) {
      const cells = grid.get(key);
      if (!cells) continue;
      for (let col = minCol; col <= maxCol; col++) {
        for (let row = minRow; row <= maxRow; row++) {
          const bucket = cells.get(col * ROWS + row);
          if (!bucket) continue;
          for (const e of bucket) {
            const { latitude, longitude } = e;
            if (
              e.companyId !== s.companyId &&
              latitude >= box.minLat &&
              latitude <= box.maxLat &&
              longitude >= box.minLon &&
              longitude <= box.maxLon
            ) {
              out.push(e.stream);
              if (kthBest) kthBest.scores.push(e.floorsK === kthBest.k ? e.kthBest : -Infinity);
              if (facts) facts.push(e.facts);
            }
          }
        }
      }
    }
    return out;
  }

  private put(stream: MatchableStream, floors: StoredFloors | null): void {
    const old = this.entries.get(stream.id);
    if (old?.bucket) {
      const i = old.bucket.indexOf(old);
      if (i >= 0) old.bucket.splice(i, 1);
    }
    const entry: Entry = {
      stream,
      facts: ceilingFactsOf(stream),
      floors,
      kthBest: (floors && storedRank(floors, floors.k - 1)?.score) ?? -Infinity,
      floorsK: floors?.k ?? 0,
      latitude: stream.site.latitude,
      longitude: stream.site.longitude,
      companyId: stream.companyId,
      bucket: null,
    };
    if (stream.status === 'active') {
      let grid = this.grids.get(stream.direction);
      if (!grid) this.grids.set(stream.direction, (grid = new Map()));
      const partition = partitionOf(stream);
      let cells = grid.get(partition);
      if (!cells) grid.set(partition, (cells = new Map()));
      const cell = cellOf(stream.site.latitude, stream.site.longitude, cellDegrees(stream.category));
      let bucket = cells.get(cell);
      if (!bucket) cells.set(cell, (bucket = []));
      bucket.push(entry);
      entry.bucket = bucket;
    }
    this.entries.set(stream.id, entry);
  }
}
