/**
 * Two matchers used around the product's one (libs/domain full-match.ts), on the same streams:
 *
 * - `naiveAllPairs`: the naive baseline of scenario 3 — the product's per-pair work (scorePairOf, per
 *   supply top K, per demand buffers) but every supply against every demand of its category, no
 *   spatial index. Run on a stratified sample of supplies and scaled by pair count.
 * - `keptPairsFast`: the same bounded-storage rule (top K of either side, DESIGN "Storage stays
 *   bounded") computed with allocation-free scoring (scorePairInto) into fixed-size binary heaps, so a
 *   100k region's store can be written in a minute when the product's full re-match cannot finish in
 *   the time budget. A unit test checks that it keeps exactly the pairs matchFromScratch keeps.
 */
import { type MatchableStream, type ScoredPair, scorePairOf, pairKey, topK } from '@symbiose/domain';
import { maxReachKm, ScoreBuffer, scorePairInto } from '@symbiose/engine';
import KDBush from 'kdbush';

const KM_PER_DEGREE_LAT = 111.2;

/** The lat/lon box the product's full-match.ts searches for a supply (same arithmetic). */
export function reachBox(
  s: MatchableStream,
): [minLon: number, minLat: number, maxLon: number, maxLat: number] {
  const reach = Math.min(maxReachKm(s.category), s.maxDistanceKm ?? Infinity);
  const dLat = reach / KM_PER_DEGREE_LAT;
  const lat = s.site.latitude;
  const maxAbsLat = Math.min(89, Math.abs(lat) + dLat);
  const dLon = Math.min(180, reach / (KM_PER_DEGREE_LAT * Math.cos((maxAbsLat * Math.PI) / 180)));
  const lon = s.site.longitude;
  return [lon - dLon, lat - dLat, lon + dLon, lat + dLat];
}

export interface NaiveResult {
  /** Supplies in the sample. */
  supplies: number;
  /** Pairs scored in the sample. */
  pairs: number;
  ms: number;
  /** Σ over categories of supplies × demands: the pairs a naive full run scores. */
  totalPairs: number;
  /** ms × totalPairs / pairs. */
  extrapolatedMs: number;
}

/** Naive all-pairs matching of every `stride`-th supply (stratified sample), timed and scaled. */
export function naiveAllPairs(
  streams: readonly MatchableStream[],
  k: number,
  sampleSupplies: number,
): NaiveResult {
  const active = streams.filter((s) => s.status === 'active');
  const supplies = active.filter((s) => s.direction === 'supply');
  const demandsByCategory = new Map<string, MatchableStream[]>();
  for (const s of active) {
    if (s.direction !== 'demand') continue;
    const list = demandsByCategory.get(s.category) ?? [];
    list.push(s);
    demandsByCategory.set(s.category, list);
  }
  let totalPairs = 0;
  for (const s of supplies) totalPairs += demandsByCategory.get(s.category)?.length ?? 0;
  const stride = Math.max(1, Math.floor(supplies.length / Math.max(1, sampleSupplies)));
  const sample = supplies.filter((_, i) => i % stride === 0).slice(0, sampleSupplies);

  const demandTop = new Map<string, ScoredPair[]>();
  const kept = new Map<string, ScoredPair>();
  let pairsScored = 0;
  const started = performance.now();
  for (const supply of sample) {
    const demands = demandsByCategory.get(supply.category) ?? [];
    const pairs: ScoredPair[] = [];
    for (const demand of demands) {
      if (demand.companyId === supply.companyId) continue;
      pairsScored++;
      const pair = scorePairOf(supply, demand);
      if (pair) pairs.push(pair);
    }
    for (const p of topK(pairs, k)) kept.set(pairKey(p.supplyId, p.demandId), p);
    for (const p of pairs) {
      const buffer = demandTop.get(p.demandId);
      if (!buffer) demandTop.set(p.demandId, [p]);
      else buffer.push(p);
      if (buffer && buffer.length > 4 * k) demandTop.set(p.demandId, topK(buffer, k));
    }
  }
  for (const buffer of demandTop.values()) {
    for (const p of topK(buffer, k)) kept.set(pairKey(p.supplyId, p.demandId), p);
  }
  const ms = performance.now() - started;
  return {
    supplies: sample.length,
    pairs: pairsScored,
    ms,
    totalPairs,
    extrapolatedMs: pairsScored > 0 ? (ms * totalPairs) / pairsScored : NaN,
  };
}

/** Fixed-capacity heaps of candidate pairs, worst kept pair at each root. */
class PairHeaps {
  readonly size: Int32Array;
  readonly other: Int32Array;
  readonly score: Float64Array;
  readonly energy: Float64Array;
  readonly route: Float64Array;

  constructor(
    heaps: number,
    private readonly k: number,
    /** Ranks two pairs by ids when score, energy and route tie: negative when (a) ranks first. */
    private readonly tieBreak: (heap: number, a: number, b: number) => number,
  ) {
    this.size = new Int32Array(heaps);
    this.other = new Int32Array(heaps * k);
    this.score = new Float64Array(heaps * k);
    this.energy = new Float64Array(heaps * k);
    this.route = new Float64Array(heaps * k);
  }

  /** Negative when slot a ranks before (is better than) the candidate values. */
  private cmp(h: number, slot: number, other: number, score: number, energy: number, route: number): number {
    if (this.score[slot] !== score) return score - this.score[slot];
    if (this.energy[slot] !== energy) return energy - this.energy[slot];
    if (this.route[slot] !== route) return this.route[slot] - route;
    return this.tieBreak(h, this.other[slot], other);
  }

  private set(slot: number, other: number, score: number, energy: number, route: number) {
    this.other[slot] = other;
    this.score[slot] = score;
    this.energy[slot] = energy;
    this.route[slot] = route;
  }

  private swap(a: number, b: number) {
    const o = this.other[a];
    const s = this.score[a];
    const e = this.energy[a];
    const r = this.route[a];
    this.set(a, this.other[b], this.score[b], this.energy[b], this.route[b]);
    this.set(b, o, s, e, r);
  }

  /** Slot a worse than slot b (ranks after it). */
  private worse(h: number, a: number, b: number): boolean {
    return this.cmp(h, a, this.other[b], this.score[b], this.energy[b], this.route[b]) > 0;
  }

  offer(h: number, other: number, score: number, energy: number, route: number): void {
    const base = h * this.k;
    const n = this.size[h];
    if (n < this.k) {
      let i = n;
      this.set(base + i, other, score, energy, route);
      this.size[h] = n + 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(h, base + i, base + parent)) break;
        this.swap(base + i, base + parent);
        i = parent;
      }
      return;
    }
    // Full: replace the root (the worst kept) only if the candidate ranks before it.
    if (this.cmp(h, base, other, score, energy, route) <= 0) return;
    this.set(base, other, score, energy, route);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < n && this.worse(h, base + l, base + worst)) worst = l;
      if (r < n && this.worse(h, base + r, base + worst)) worst = r;
      if (worst === i) break;
      this.swap(base + i, base + worst);
      i = worst;
    }
  }

  clear(h: number): void {
    this.size[h] = 0;
  }

  *members(h: number): Generator<number> {
    const base = h * this.k;
    for (let i = 0; i < this.size[h]; i++) yield this.other[base + i];
  }
}

export interface FastKeptResult {
  kept: ScoredPair[];
  scored: number;
  qualifying: number;
  ms: number;
}

/** The pairs the bounded-storage rule keeps (top K of the supply or of the demand), fast. */
export function keptPairsFast(streams: readonly MatchableStream[], k: number): FastKeptResult {
  const started = performance.now();
  const active = streams.filter((s) => s.status === 'active');
  const supplies = active.filter((s) => s.direction === 'supply');
  const demands = active.filter((s) => s.direction === 'demand');
  const byCategory = new Map<string, number[]>();
  demands.forEach((d, i) => {
    const list = byCategory.get(d.category) ?? [];
    list.push(i);
    byCategory.set(d.category, list);
  });
  const indexes = new Map<string, KDBush>();
  for (const [category, list] of byCategory) {
    const index = new KDBush(list.length);
    for (const i of list) index.add(demands[i].site.longitude, demands[i].site.latitude);
    index.finish();
    indexes.set(category, index);
  }
  const idCmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  let currentSupply = 0;
  // Supply heap: "other" is a demand index; ties break on supply id (equal) then demand id.
  const supplyHeap = new PairHeaps(1, k, (_h, a, b) => idCmp(demands[a].id, demands[b].id));
  // Demand heaps: "other" is a supply index; ties break on supply id.
  const demandHeaps = new PairHeaps(demands.length, k, (_h, a, b) => idCmp(supplies[a].id, supplies[b].id));
  const keptKeys = new Set<number>();
  const buf = new ScoreBuffer();
  let scored = 0;
  let qualifying = 0;
  for (let si = 0; si < supplies.length; si++) {
    currentSupply = si;
    const s = supplies[si];
    const list = byCategory.get(s.category);
    const index = indexes.get(s.category);
    if (!list || !index) continue;
    supplyHeap.clear(0);
    const [minLon, minLat, maxLon, maxLat] = reachBox(s);
    for (const hit of index.range(minLon, minLat, maxLon, maxLat)) {
      const di = list[hit];
      const d = demands[di];
      if (d.companyId === s.companyId) continue;
      scored++;
      if (!scorePairInto(buf, s, d)) continue;
      qualifying++;
      supplyHeap.offer(0, di, buf.netCo2, buf.energySaved, buf.routeKm);
      demandHeaps.offer(di, currentSupply, buf.netCo2, buf.energySaved, buf.routeKm);
    }
    for (const di of supplyHeap.members(0)) keptKeys.add(si * demands.length + di);
  }
  for (let di = 0; di < demands.length; di++) {
    for (const si of demandHeaps.members(di)) keptKeys.add(si * demands.length + di);
  }
  const kept: ScoredPair[] = [];
  for (const key of keptKeys) {
    const si = Math.floor(key / demands.length);
    const pair = scorePairOf(supplies[si], demands[key - si * demands.length]);
    if (pair) kept.push(pair);
  }
  return { kept, scored, qualifying, ms: performance.now() - started };
}

/**
 * Up to `count` distinct qualifying pairs of the region, drawn from a stratified sample of supplies
 * (each against the demands in its reach box): realistic match rows for write benchmarks.
 */
export function qualifyingPairsSample(streams: readonly MatchableStream[], count: number): ScoredPair[] {
  const active = streams.filter((s) => s.status === 'active');
  const supplies = active.filter((s) => s.direction === 'supply');
  const byCategory = new Map<string, MatchableStream[]>();
  for (const d of active) {
    if (d.direction !== 'demand') continue;
    const list = byCategory.get(d.category) ?? [];
    list.push(d);
    byCategory.set(d.category, list);
  }
  const indexes = new Map<string, KDBush>();
  for (const [category, list] of byCategory) {
    const index = new KDBush(list.length);
    for (const d of list) index.add(d.site.longitude, d.site.latitude);
    index.finish();
    indexes.set(category, index);
  }
  const out: ScoredPair[] = [];
  // Several passes with a shrinking stride, so a small region still yields `count` pairs if it has them.
  const seen = new Set<string>();
  for (
    let stride = Math.max(1, Math.floor(supplies.length / 2000));
    out.length < count;
    stride = Math.floor(stride / 2)
  ) {
    for (let i = 0; i < supplies.length && out.length < count; i += Math.max(1, stride)) {
      const s = supplies[i];
      if (seen.has(s.id)) continue;
      seen.add(s.id);
      const list = byCategory.get(s.category);
      const index = indexes.get(s.category);
      if (!list || !index) continue;
      // At most 50 pairs per supply, so the rows spread over the region.
      let taken = 0;
      for (const hit of index.range(...reachBox(s))) {
        const d = list[hit];
        if (d.companyId === s.companyId) continue;
        const pair = scorePairOf(s, d);
        if (!pair) continue;
        out.push(pair);
        if (++taken >= 50 || out.length >= count) break;
      }
    }
    if (stride <= 1) break;
  }
  return out;
}

/**
 * Candidate pairs the product's full re-match scores (each active supply against the other companies'
 * same-category demands inside its reach box) and the pairs a naive matcher scores (all of them).
 */
export function countCandidates(streams: readonly MatchableStream[]): {
  candidates: number;
  allPairs: number;
} {
  const active = streams.filter((s) => s.status === 'active');
  const byCategory = new Map<string, MatchableStream[]>();
  for (const d of active) {
    if (d.direction !== 'demand') continue;
    const list = byCategory.get(d.category) ?? [];
    list.push(d);
    byCategory.set(d.category, list);
  }
  const indexes = new Map<string, KDBush>();
  for (const [category, list] of byCategory) {
    const index = new KDBush(list.length);
    for (const d of list) index.add(d.site.longitude, d.site.latitude);
    index.finish();
    indexes.set(category, index);
  }
  let candidates = 0;
  let allPairs = 0;
  for (const s of active) {
    if (s.direction !== 'supply') continue;
    const list = byCategory.get(s.category);
    const index = indexes.get(s.category);
    if (!list || !index) continue;
    allPairs += list.length;
    for (const hit of index.range(...reachBox(s))) if (list[hit].companyId !== s.companyId) candidates++;
  }
  return { candidates, allPairs };
}
