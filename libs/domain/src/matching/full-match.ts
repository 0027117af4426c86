import { maxReachKm } from '@symbiose/engine';
import KDBush from 'kdbush';
import { MatchableStream, ScoredPair } from './matching.types';
import { scorePairOf } from './pair-scoring';
import { pairKey, topK } from './pair-ranking';

const KM_PER_DEGREE_LAT = 111.2;

export interface FullMatchResult {
  /** Pairs kept by the bounded-storage rule (top K of either side). */
  kept: ScoredPair[];
  /** Number of qualifying pairs seen. */
  qualifying: number;
  /** Candidate pairs scored. */
  scored: number;
}

/**
 * From-scratch matching of a set of active streams with an in-memory spatial index per category:
 * every supply is scored against the demands inside its reach box; each stream keeps a bounded
 * top-K buffer, and the kept set is the union of all buffers.
 */
export async function matchFromScratch(
  streams: readonly MatchableStream[],
  k: number,
  onProgress?: (done: number, total: number) => Promise<void> | void,
): Promise<FullMatchResult> {
  const active = streams.filter((s) => s.status === 'active');
  const supplies = active.filter((s) => s.direction === 'supply');
  const demandsByCategory = new Map<string, MatchableStream[]>();
  for (const s of active) {
    if (s.direction !== 'demand') continue;
    const list = demandsByCategory.get(s.category) ?? [];
    list.push(s);
    demandsByCategory.set(s.category, list);
  }
  const indexes = new Map<string, KDBush>();
  for (const [category, list] of demandsByCategory) {
    const index = new KDBush(list.length);
    for (const d of list) index.add(d.site.longitude, d.site.latitude);
    index.finish();
    indexes.set(category, index);
  }
  const demandTop = new Map<string, ScoredPair[]>();
  const kept = new Map<string, ScoredPair>();
  let qualifying = 0;
  let scored = 0;
  for (let i = 0; i < supplies.length; i++) {
    const supply = supplies[i];
    const demands = demandsByCategory.get(supply.category);
    const index = indexes.get(supply.category);
    if (demands && index) {
      const reach = Math.min(maxReachKm(supply.category), supply.maxDistanceKm ?? Infinity);
      const dLat = reach / KM_PER_DEGREE_LAT;
      const lat = supply.site.latitude;
      const maxAbsLat = Math.min(89, Math.abs(lat) + dLat);
      const dLon = Math.min(180, reach / (KM_PER_DEGREE_LAT * Math.cos((maxAbsLat * Math.PI) / 180)));
      const lon = supply.site.longitude;
      const pairs: ScoredPair[] = [];
      for (const id of index.range(lon - dLon, lat - dLat, lon + dLon, lat + dLat)) {
        const demand = demands[id];
        if (demand.companyId === supply.companyId) continue;
        scored++;
        const pair = scorePairOf(supply, demand);
        if (pair) pairs.push(pair);
      }
      qualifying += pairs.length;
      for (const p of topK(pairs, k)) kept.set(pairKey(p.supplyId, p.demandId), p);
      for (const p of pairs) {
        const buffer = demandTop.get(p.demandId);
        if (!buffer) demandTop.set(p.demandId, [p]);
        else buffer.push(p);
        if (buffer && buffer.length > 4 * k) demandTop.set(p.demandId, topK(buffer, k));
      }
    }
    // Report progress (and let the event loop breathe: lock renewal, shutdown signals) every 2,000 supplies.
    if (onProgress && (i % 2000 === 1999 || i === supplies.length - 1))
      await onProgress(i + 1, supplies.length);
  }
  for (const buffer of demandTop.values()) {
    for (const p of topK(buffer, k)) kept.set(pairKey(p.supplyId, p.demandId), p);
  }
  return { kept: [...kept.values()], qualifying, scored };
}
