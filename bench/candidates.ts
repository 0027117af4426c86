/**
 * Candidate pairs of a region as the product's full re-match sees them (libs/domain full-match.ts:
 * each active supply against the other companies' same-category demands inside its reach box), and
 * the naive baseline of scenario 3 — the product's per-pair work (scorePairOf, per-supply top K,
 * per-demand buffers) with every same-category demand as a candidate, no spatial index, run on a
 * stratified sample of supplies and scaled by pair count.
 */
import {
  type MatchableStream,
  type ScoredPair,
  scorePairOf,
  pairKey,
  topK,
  reachBox as productReachBox,
} from '@symbiose/domain';
import { counterpartPartitions, partitionOf } from '@symbiose/engine';
import KDBush from 'kdbush';

/** The lat/lon box the product's matcher searches (the product's own function, as a tuple). */
export function reachBox(
  s: MatchableStream,
): [minLon: number, minLat: number, maxLon: number, maxLat: number] {
  const box = productReachBox(s);
  return [box.minLon, box.minLat, box.maxLon, box.maxLat];
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
 * Candidate pairs of the product's full re-match: the other companies' same-partition counterparts
 * inside a stream's reach box. `candidates` counts them from the supplies' side (the pairs in reach),
 * `examined` from both sides (each stream looks at its own: what the matcher scores or skips), and
 * `allPairs` the pairs a naive matcher scores (every same-category supply × demand).
 */
export function countCandidates(streams: readonly MatchableStream[]): {
  candidates: number;
  examined: number;
  allPairs: number;
} {
  const active = streams.filter((s) => s.status === 'active');
  const demandsByCategory = new Map<string, number>();
  for (const d of active) {
    if (d.direction === 'demand')
      demandsByCategory.set(d.category, (demandsByCategory.get(d.category) ?? 0) + 1);
  }
  const indexOf = (direction: 'supply' | 'demand') => {
    const byPartition = new Map<string, MatchableStream[]>();
    for (const s of active) {
      if (s.direction !== direction) continue;
      const key = partitionOf(s);
      const list = byPartition.get(key) ?? [];
      list.push(s);
      byPartition.set(key, list);
    }
    const indexes = new Map<string, { list: MatchableStream[]; index: KDBush }>();
    for (const [key, list] of byPartition) {
      const index = new KDBush(list.length);
      for (const d of list) index.add(d.site.longitude, d.site.latitude);
      index.finish();
      indexes.set(key, { list, index });
    }
    return indexes;
  };
  const byDirection = { supply: indexOf('supply'), demand: indexOf('demand') };
  // As the product's matcher: the counterparts of the partitions the stream can pair with, in its reach box.
  const countFor = (s: MatchableStream) => {
    let n = 0;
    const counterparts = byDirection[s.direction === 'supply' ? 'demand' : 'supply'];
    for (const key of counterpartPartitions(s)) {
      const found = counterparts.get(key);
      if (!found) continue;
      for (const hit of found.index.range(...reachBox(s))) if (found.list[hit].companyId !== s.companyId) n++;
    }
    return n;
  };
  let candidates = 0;
  let examined = 0;
  let allPairs = 0;
  for (const s of active) {
    const n = countFor(s);
    examined += n;
    if (s.direction !== 'supply') continue;
    candidates += n;
    allPairs += demandsByCategory.get(s.category) ?? 0;
  }
  return { candidates, examined, allPairs };
}
