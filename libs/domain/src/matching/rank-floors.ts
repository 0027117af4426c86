import { compareRank, RankKey } from './pair-ranking';

/**
 * A stream's stored qualifying pairs around its K-th best, kept in stream_rank_floors so that an
 * incremental job reads every counterpart's floor from memory instead of one index range per
 * counterpart (thousands per job in a dense region). `keys` are the ranks offset+1 … K+1 of the
 * stream's stored list (fewer when the list is shorter); `k` is the K they were taken for.
 */
export interface StoredFloors {
  k: number;
  keys: RankKey[];
}

/** The (K-1)-th and K-th best stored qualifying pairs of a counterpart, not counting its pair with the changed stream. */
export interface NeighbourFloor {
  kMinus1?: RankKey;
  k?: RankKey;
}

/** First stored rank (0-based) a floor needs: K-2 (for the (K-1)-th once a pair leaves), or 0 when K = 1. */
export const floorOffset = (k: number) => Math.max(k - 2, 0);

/** The stored list positions kept for K: offset … K (0-based), i.e. at most 3 keys. */
export function floorsOfList(sorted: readonly RankKey[], k: number): StoredFloors {
  return { k, keys: sorted.slice(floorOffset(k), k + 1).map(rankKeyOf) };
}

export function rankKeyOf(p: RankKey): RankKey {
  return { score: p.score, energy: p.energy, routeKm: p.routeKm, supplyId: p.supplyId, demandId: p.demandId };
}

/** Parses the jsonb column ([supplyId, demandId, score, energy, routeKm] per key); null when absent or malformed. */
export function parseStoredFloors(value: unknown): StoredFloors | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { k?: unknown; keys?: unknown };
  if (typeof v.k !== 'number' || !Array.isArray(v.keys)) return null;
  const keys: RankKey[] = [];
  for (const key of v.keys as unknown[]) {
    if (!Array.isArray(key) || key.length !== 5) return null;
    const [supplyId, demandId, score, energy, routeKm] = key as unknown[];
    if (typeof supplyId !== 'string' || typeof demandId !== 'string') return null;
    if (typeof score !== 'number' || typeof energy !== 'number' || typeof routeKm !== 'number') return null;
    keys.push({ supplyId, demandId, score, energy, routeKm });
  }
  return { k: v.k, keys };
}

export function storedFloorsJson(f: StoredFloors): string {
  return JSON.stringify({
    k: f.k,
    keys: f.keys.map((p) => [p.supplyId, p.demandId, p.score, p.energy, p.routeKm]),
  });
}

/** The stored list's pair at 0-based `rank`; undefined outside the ranks kept (offset … K) or past the list's end. */
export function storedRank(f: StoredFloors, rank: number): RankKey | undefined {
  const offset = floorOffset(f.k);
  return rank >= offset ? f.keys[rank - offset] : undefined;
}

/**
 * The counterpart's floors without its pair `old` with the changed stream (when `old` is stored and
 * qualifies, it sits in the list and every rank after it moves up by one). Null when the stored floors
 * were taken for another K.
 */
export function floorsExcluding(f: StoredFloors, k: number, old: RankKey | null): NeighbourFloor | null {
  if (f.k !== k) return null;
  const at = (rank: number) => storedRank(f, rank);
  // Position class of `old` in the full list: before K-1 (index ≤ K-2), at index K-1, or after (≥ K).
  let shift: 'none' | 'from-k-1' | 'from-k' = 'none';
  if (old) {
    const kMinus1 = at(k - 2);
    const kth = at(k - 1);
    const same = (p: RankKey | undefined) =>
      !!p && p.supplyId === old.supplyId && p.demandId === old.demandId;
    if (k >= 2 && (same(kMinus1) || !kMinus1 || compareRank(old, kMinus1) < 0)) shift = 'from-k-1';
    else if (same(kth) || (k === 1 && (!kth || compareRank(old, kth) < 0))) shift = 'from-k';
  }
  if (shift === 'from-k-1') return { kMinus1: at(k - 1), k: at(k) };
  if (shift === 'from-k') return { kMinus1: k >= 2 ? at(k - 2) : undefined, k: at(k) };
  return { kMinus1: k >= 2 ? at(k - 2) : undefined, k: at(k - 1) };
}

/** Pairs by position, as categoryFloorsJson reads them. */
export interface RankedRows {
  readonly length: number;
  score(i: number): number;
  supplyId(i: number): string;
  demandId(i: number): string;
  rankKey(i: number): RankKey;
  /**
   * Rows' supplies and demands as positions in two id lists, where the rows have them (a run's
   * PairStore): categoryFloorsJson then looks each id up once instead of once per pair. A position of
   * -1 sends it to supplyId or demandId instead.
   */
  readonly sides?: RowSides;
}

/** See RankedRows.sides. */
export interface RowSides {
  readonly supplyIds: readonly string[];
  readonly demandIds: readonly string[];
  supplyAt(i: number): number;
  demandAt(i: number): number;
}

/** RankedRows of an array of pairs. */
export function rankedRowsOf(pairs: readonly RankKey[]): RankedRows {
  return {
    length: pairs.length,
    score: (i) => pairs[i].score,
    supplyId: (i) => pairs[i].supplyId,
    demandId: (i) => pairs[i].demandId,
    rankKey: (i) => pairs[i],
  };
}

/**
 * The stored floors (storedFloorsJson) of each of `streamIds` when a category's stored qualifying
 * pairs are exactly `stored` (after a full re-match: its kept pairs and the acted-on pairs that still
 * qualify). Each stream's pairs are listed as positions in one Int32Array (a largest category has 1.7
 * million pairs: an array per stream was most of the cost), each with its score beside it, and a list
 * is sorted only when it reaches the floors' first rank, by those scores (the full order decides only
 * ties).
 */
export function categoryFloorsJson(streamIds: readonly string[], stored: RankedRows, k: number): string[] {
  const n = streamIds.length;
  const position = new Map<string, number>();
  streamIds.forEach((id, i) => position.set(id, i));
  const supplyAt = new Int32Array(stored.length);
  const demandAt = new Int32Array(stored.length);
  const start = new Int32Array(n + 1);
  // Each side's ids looked up once (heat's 1.7 million pairs: 3.4 million lookups of a string were
  // most of this function's time).
  const sides = stored.sides;
  const positionsOf = (ids: readonly string[] | undefined) =>
    Int32Array.from(ids ?? [], (id) => position.get(id) ?? -1);
  const supplyPositions = positionsOf(sides?.supplyIds);
  const demandPositions = positionsOf(sides?.demandIds);
  for (let i = 0; i < stored.length; i++) {
    const sp = sides ? sides.supplyAt(i) : -1;
    const dp = sides ? sides.demandAt(i) : -1;
    const s = sp >= 0 ? supplyPositions[sp] : (position.get(stored.supplyId(i)) ?? -1);
    const d = dp >= 0 ? demandPositions[dp] : (position.get(stored.demandId(i)) ?? -1);
    supplyAt[i] = s;
    demandAt[i] = d;
    if (s >= 0) start[s + 1]++;
    if (d >= 0) start[d + 1]++;
  }
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const members = new Int32Array(start[n]);
  // Each member's score beside it: a stream's pairs are scattered over `stored`, and its sort then reads
  // memory in the cache instead of missing it at every comparison.
  const memberScores = new Float64Array(start[n]);
  const next = start.slice(0, n);
  for (let i = 0; i < stored.length; i++) {
    const score = stored.score(i);
    const s = supplyAt[i];
    const d = demandAt[i];
    if (s >= 0) {
      memberScores[next[s]] = score;
      members[next[s]++] = i;
    }
    if (d >= 0) {
      memberScores[next[d]] = score;
      members[next[d]++] = i;
    }
  }
  const from = floorOffset(k);
  const none = storedFloorsJson({ k, keys: [] });
  const floors = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const size = start[i + 1] - start[i];
    if (size <= from) {
      floors[i] = none;
      continue;
    }
    const list = members.subarray(start[i], start[i + 1]);
    const last = Math.min(size - 1, k);
    sortByRank(list, memberScores.subarray(start[i], start[i + 1]), 0, size - 1, stored, from, last);
    const keys: RankKey[] = [];
    for (let r = from; r < size && r <= k; r++) keys.push(rankKeyOf(stored.rankKey(list[r])));
    floors[i] = storedFloorsJson({ k, keys });
  }
  return floors;
}

/** True when the pair at list position a ranks before the one at b (compareRank, scores first). */
function ranksFirst(
  list: Int32Array,
  scores: Float64Array,
  a: number,
  b: number,
  stored: RankedRows,
): boolean {
  const sa = scores[a];
  const sb = scores[b];
  if (sa !== sb) return sa > sb;
  return compareRank(stored.rankKey(list[a]), stored.rankKey(list[b])) < 0;
}

function swap(list: Int32Array, scores: Float64Array, a: number, b: number): void {
  const t = list[a];
  list[a] = list[b];
  list[b] = t;
  const u = scores[a];
  scores[a] = scores[b];
  scores[b] = u;
}

/**
 * Puts list[lo … hi] (positions in `stored`, their scores beside them in `scores`) in order best first
 * at positions first … last, as a full sort would, with the better ones before first and the worse
 * ones after last in no particular order: a quicksort written out here (a typed array's sort calls its
 * comparator through the engine's builtin) that leaves unsorted the parts outside first … last (a
 * floor needs three ranks of a list of about a hundred pairs).
 */
function sortByRank(
  list: Int32Array,
  scores: Float64Array,
  lo: number,
  hi: number,
  stored: RankedRows,
  first: number,
  last: number,
): void {
  while (hi - lo > 16) {
    // The pivot moves to lo, so the partition compares against a position that stays put.
    swap(list, scores, lo, (lo + hi) >> 1);
    let i = lo + 1;
    let j = hi;
    for (;;) {
      while (i <= j && ranksFirst(list, scores, i, lo, stored)) i++;
      while (i <= j && ranksFirst(list, scores, lo, j, stored)) j--;
      if (i >= j) break;
      swap(list, scores, i, j);
      i++;
      j--;
    }
    // Everything in lo+1 … j ranks before-or-with the pivot, everything in j+1 … hi after-or-with it.
    swap(list, scores, lo, j);
    // Only the sides that hold some of first … last go on; the pivot at j is in place.
    const left = j - 1 >= first && lo <= last;
    const right = hi >= first && j + 1 <= last;
    if (left && right) {
      // The smaller side by recursion, the larger by the loop: the stack stays logarithmic.
      if (j - lo < hi - j) {
        sortByRank(list, scores, lo, j - 1, stored, first, last);
        lo = j + 1;
      } else {
        sortByRank(list, scores, j + 1, hi, stored, first, last);
        hi = j - 1;
      }
    } else if (left) hi = j - 1;
    else if (right) lo = j + 1;
    else return;
  }
  for (let i = lo + 1; i <= hi; i++) {
    let j = i;
    while (j > lo && ranksFirst(list, scores, j, j - 1, stored)) {
      swap(list, scores, j, j - 1);
      j--;
    }
  }
}
