import { Injectable } from '@nestjs/common';
import { counterpartPartitions, maxReachKm, partitionOf, type Category } from '@symbiose/engine';
import { EntityManager } from 'typeorm';
import { MatchableStream, STREAM_COLUMNS, StreamRow, toMatchable } from './matching.types';
import { CandidateTable, ceilingFactsOf } from './pair-scoring';
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

/**
 * Positions of `rows` in the order of place (category, direction, 0.1° bands of longitude, latitude). A
 * row is a stream's latest state, so the order they are applied in is free: in this order the objects
 * of streams that share a reach box are allocated next to each other, and a job scoring thousands of
 * them reads far fewer memory pages (the bench's 36 new streams in a 100,000-stream region: 138 ms of
 * compute in all against 274–319 ms in the order of the table or of the sequence). Sorted here rather
 * than by the query: Postgres sorted a reload's 100,000 wide rows on disk (work_mem), and fetching them
 * sorted took 1.8–2.2 s against 1.2–1.3 s unsorted.
 */
function inPlaceOrder(rows: readonly StreamRow[]): Int32Array {
  const order = new Int32Array(rows.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const band = rows.map((r) => Math.floor(r.longitude * 10));
  return order.sort((a, b) => {
    const x = rows[a];
    const y = rows[b];
    if (x.category !== y.category) return x.category < y.category ? -1 : 1;
    if (x.direction !== y.direction) return x.direction < y.direction ? -1 : 1;
    if (band[a] !== band[b]) return band[a] - band[b];
    return x.latitude - y.latitude;
  });
}

interface Entry {
  stream: MatchableStream;
  floors: StoredFloors | null;
  /** The grid cell holding the stream while it is active (null otherwise), and its row there. */
  cell: CandidateTable | null;
  row: number;
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
  /**
   * direction → partition → cell → the cell's active streams, with their positions, companies, K-th
   * best stored scores and ceiling facts as rows of numbers: a scan reads contiguous memory and takes
   * a stream's object only when it lies inside the box.
   */
  private readonly grids = new Map<string, Map<string, Map<number, CandidateTable>>>();
  /** Company ids as the numbers the cells keep. */
  private readonly companyNumbers = new Map<string, number>();
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

  /** Counts the loads of the whole state (the first sync, and every reload). */
  loads = 0;

  invalidate(): void {
    this.epoch = null;
  }

  /** Brings the cache up to the store as `m` sees it (call with the matching lock held). Returns rows applied. */
  async sync(m: EntityManager): Promise<number> {
    const [{ epoch }] = (await m.query(`SELECT epoch::text AS epoch FROM match_state_epoch`)) as {
      epoch: string;
    }[];
    const reload = epoch !== this.epoch;
    const where = reload ? '' : 'WHERE sync_seq > $1::bigint';
    const since = reload ? [] : [this.lastSeq];
    const rows = (await m.query(
      `SELECT ${STREAM_COLUMNS}, sync_seq::text AS sync_seq FROM stream_match_state ${where}`,
      since,
    )) as (StreamRow & { sync_seq: string })[];
    const floorRows = (await m.query(
      `SELECT stream_id, floors, sync_seq::text AS sync_seq FROM stream_rank_floors ${where}`,
      since,
    )) as { stream_id: string; floors: unknown; sync_seq: string }[];
    if (reload) {
      this.entries.clear();
      this.grids.clear();
      this.lastSeq = '0';
      this.epoch = epoch;
      this.loads++;
    }
    let last = BigInt(this.lastSeq);
    // A stream's floors stay what they were when only its state row changed.
    for (const i of inPlaceOrder(rows)) {
      const row = rows[i];
      this.put(toMatchable(row), this.entries.get(row.id)?.floors ?? null);
      const seq = BigInt(row.sync_seq);
      if (seq > last) last = seq;
    }
    for (const row of floorRows) {
      const entry = this.entries.get(row.stream_id);
      if (entry) this.setFloors(entry, parseStoredFloors(row.floors));
      const seq = BigInt(row.sync_seq);
      if (seq > last) last = seq;
    }
    this.lastSeq = last.toString();
    return rows.length + floorRows.length;
  }

  /**
   * Takes floors this process has just written (holding the matching lock, in the transaction `m`)
   * without reading their rows back: `written` are the rows its UPDATE changed, with their new sequence
   * numbers, and `floorsOf` gives each one's floors as written (storedFloorsJson). Syncs instead unless
   * those are exactly the rows changed since the last sync: the epoch is the same and as many rows are
   * past the last sequence number (all of the written ones are, the sequence only goes up). A full
   * re-match writes 100,000 streams' floors; reading them back took 1.3 s of statements per run, and
   * this thread parsed every row again. Returns rows applied.
   */
  async takeWrittenFloors(
    m: EntityManager,
    written: readonly { id: string; seq: string }[],
    floorsOf: (id: string) => string,
  ): Promise<number> {
    const [{ epoch, changed }] = (await m.query(
      `SELECT (SELECT epoch::text FROM match_state_epoch) AS epoch,
         (SELECT count(*)::int FROM stream_match_state WHERE sync_seq > $1::bigint)
           + (SELECT count(*)::int FROM stream_rank_floors WHERE sync_seq > $1::bigint) AS changed`,
      [this.lastSeq],
    )) as { epoch: string; changed: number }[];
    if (epoch !== this.epoch || changed !== written.length || written.some((w) => !this.entries.has(w.id))) {
      return this.sync(m);
    }
    let last = BigInt(this.lastSeq);
    for (const w of written) {
      const entry = this.entries.get(w.id)!;
      this.setFloors(entry, parseStoredFloors(JSON.parse(floorsOf(w.id))));
      const seq = BigInt(w.seq);
      if (seq > last) last = seq;
    }
    this.lastSeq = last.toString();
    return written.length;
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
   * rejects by partition.
   */
  candidatesOf(s: MatchableStream): MatchableStream[] {
    const out: MatchableStream[] = [];
    this.scan(s, out);
    return out;
  }

  /**
   * candidatesOf with what scoreAgainstBounded reads of each candidate: its ceiling facts and, as
   * FLOORS_K and KTH_BEST, the K-th best of its stored list as of the last sync. Into `into` (emptied
   * first) when given: a table reused from job to job has grown to its size once, where a new one grew
   * by doubling each time (bench probe, 12 new streams at 100,000 × 30: lookup p90 1.22 → 0.17 ms).
   */
  candidateTableOf(s: MatchableStream, into?: CandidateTable): CandidateTable {
    const out = into ?? new CandidateTable(256);
    out.clear();
    this.scan(s, out);
    return out;
  }

  /** The grid scan of candidatesOf: the streams into a list, or their rows into a table. */
  private scan(s: MatchableStream, into: MatchableStream[] | CandidateTable): void {
    const grid = this.grids.get(s.direction === 'supply' ? 'demand' : 'supply');
    if (!grid) return;
    const table = into instanceof CandidateTable ? into : null;
    const list = into instanceof CandidateTable ? null : into;
    const box = reachBox(s);
    const cellSize = cellDegrees(s.category);
    const minRow = Math.floor((box.minLat + 90) / cellSize);
    const maxRow = Math.floor((box.maxLat + 90) / cellSize);
    const minCol = Math.floor((box.minLon + 180) / cellSize);
    const maxCol = Math.floor((box.maxLon + 180) / cellSize);
    // A company not numbered yet has no stream in any cell.
    const company = this.companyNumbers.get(s.companyId) ?? -1;
    const n = CandidateTable.STRIDE;
    // The nearest cells first: a job's own top K then fills with near candidates early, and its K-th best
    // lets more of the others go unscored (CO2 and hydrogen rank ties by route).
    const order = cellsNearestFirst(s, minCol, maxCol, minRow, maxRow, cellSize);
    for (const key of counterpartPartitions(s)) {
      const cells = grid.get(key);
      if (!cells) continue;
      for (let o = 0; o < order.length; o++) {
        const cell = cells.get(order[o]);
        if (!cell) continue;
        const d = cell.data;
        for (let i = 0, r = 0; i < cell.length; i++, r += n) {
          const latitude = d[r + CandidateTable.LATITUDE];
          const longitude = d[r + CandidateTable.LONGITUDE];
          if (
            d[r + CandidateTable.COMPANY] !== company &&
            latitude >= box.minLat &&
            latitude <= box.maxLat &&
            longitude >= box.minLon &&
            longitude <= box.maxLon
          ) {
            if (table) table.copyRow(cell, i);
            else list!.push(cell.streams[i]);
          }
        }
      }
    }
  }

  private setFloors(entry: Entry, floors: StoredFloors | null): void {
    entry.floors = floors;
    entry.cell?.setFloors(entry.row, ...cellFloors(floors));
  }

  private put(stream: MatchableStream, floors: StoredFloors | null): void {
    const old = this.entries.get(stream.id);
    if (old?.cell) {
      const moved = old.cell.removeRow(old.row);
      if (moved) this.entries.get(moved.id)!.row = old.row;
    }
    const entry: Entry = { stream, floors, cell: null, row: -1 };
    if (stream.status === 'active') {
      let grid = this.grids.get(stream.direction);
      if (!grid) this.grids.set(stream.direction, (grid = new Map()));
      const partition = partitionOf(stream);
      let cells = grid.get(partition);
      if (!cells) grid.set(partition, (cells = new Map()));
      const key = cellOf(stream.site.latitude, stream.site.longitude, cellDegrees(stream.category));
      let cell = cells.get(key);
      if (!cell) cells.set(key, (cell = new CandidateTable()));
      let company = this.companyNumbers.get(stream.companyId);
      if (company === undefined)
        this.companyNumbers.set(stream.companyId, (company = this.companyNumbers.size));
      entry.row = cell.add(stream, ceilingFactsOf(stream), company, ...cellFloors(floors));
      entry.cell = cell;
    }
    this.entries.set(stream.id, entry);
  }
}

/**
 * The cells of the box (columns minCol … maxCol, rows minRow … maxRow) as keys (row + col × ROWS), those
 * whose centre is nearest the stream first; a box of more than MAX_SORTED_CELLS cells (a reach box spans
 * a dozen or so, see cellDegrees) column by column.
 */
export function cellsNearestFirst(
  s: MatchableStream,
  minCol: number,
  maxCol: number,
  minRow: number,
  maxRow: number,
  cellSize: number,
): number[] {
  const keys: number[] = [];
  const far: number[] = [];
  const lat = s.site.latitude;
  const lon = s.site.longitude;
  const cos = Math.cos((lat * Math.PI) / 180);
  for (let col = minCol; col <= maxCol; col++) {
    for (let row = minRow; row <= maxRow; row++) {
      keys.push(col * ROWS + row);
      const dLat = (row + 0.5) * cellSize - 90 - lat;
      const dLon = ((col + 0.5) * cellSize - 180 - lon) * cos;
      far.push(dLat * dLat + dLon * dLon);
    }
  }
  if (keys.length > MAX_SORTED_CELLS) return keys;
  const idx = keys.map((_, i) => i).sort((a, b) => far[a] - far[b] || a - b);
  return idx.map((i) => keys[i]);
}
const MAX_SORTED_CELLS = 400;

/**
 * What a grid cell keeps of a stream's floors: the K they were taken for and its K-th best pair's score,
 * energy and route (see CandidateTable.FLOORS_K).
 */
function cellFloors(
  floors: StoredFloors | null,
): [floorsK: number, kthBest: number, kthEnergy: number, kthRoute: number] {
  const kth = floors ? storedRank(floors, floors.k - 1) : undefined;
  return kth
    ? [floors!.k, kth.score, kth.energy, kth.routeKm]
    : [floors?.k ?? 0, -Infinity, -Infinity, Infinity];
}
