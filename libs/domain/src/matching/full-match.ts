import {
  CANONICAL_UNIT,
  CURRENT_FACTOR_SET,
  ScoreBuffer,
  scorePairInto,
  counterpartPartitions,
  partitionOf,
} from '@symbiose/engine';
import KDBush from 'kdbush';
import { MatchableStream, ScoredPair } from './matching.types';
import { sharedFlags } from './pair-scoring';
import { reachBox } from './reach-box';

export interface FullMatchResult {
  /** Pairs kept by the bounded-storage rule (top K of either side). */
  kept: ScoredPair[];
  /** Number of qualifying pairs seen. */
  qualifying: number;
  /** Candidate pairs scored. */
  scored: number;
}

/** True when the pair (score, energy, route, supplyId, demandId) ranks before `b` (see compareRank). */
function ranksBefore(
  score: number,
  energy: number,
  routeKm: number,
  supplyId: string,
  demandId: string,
  b: ScoredPair,
): boolean {
  if (score !== b.score) return score > b.score;
  if (energy !== b.energy) return energy > b.energy;
  if (routeKm !== b.routeKm) return routeKm < b.routeKm;
  if (supplyId !== b.supplyId) return supplyId < b.supplyId;
  return demandId < b.demandId;
}

/** The k best pairs seen so far, best first; `admits` answers without allocating. */
class TopK {
  readonly items: ScoredPair[] = [];
  /** The K-th best once full; null before. Checked on every scored pair, so kept in a field. */
  private worst: ScoredPair | null = null;
  constructor(private readonly k: number) {}

  admits(score: number, energy: number, routeKm: number, supplyId: string, demandId: string): boolean {
    const w = this.worst;
    if (w === null) return true;
    if (score !== w.score) return score > w.score;
    return ranksBefore(score, energy, routeKm, supplyId, demandId, w);
  }

  insert(p: ScoredPair): void {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ranksBefore(p.score, p.energy, p.routeKm, p.supplyId, p.demandId, this.items[mid])) hi = mid;
      else lo = mid + 1;
    }
    this.items.splice(lo, 0, p);
    if (this.items.length > this.k) this.items.pop();
    if (this.items.length === this.k) this.worst = this.items[this.k - 1];
  }
}

interface Partition {
  demands: MatchableStream[];
  index: KDBush;
  tops: (TopK | undefined)[];
}

/**
 * From-scratch matching of a set of active streams with an in-memory spatial index per candidate
 * partition (category, and material type or water quality: see the engine's match.partition): every
 * supply is scored against the demands of the partitions it can serve inside its reach box; every
 * stream keeps a bounded top-K buffer, and the kept set is the union of all buffers. Scoring goes into
 * one reusable buffer and a pair object is only made when it enters a top K, so dense regions cost no
 * garbage; a pair held by both of its sides' buffers is one object, so the union is a set of objects.
 */
export async function matchFromScratch(
  streams: readonly MatchableStream[],
  k: number,
  onProgress?: (done: number, total: number) => Promise<void> | void,
): Promise<FullMatchResult> {
  const active = streams.filter((s) => s.status === 'active');
  const supplies = active.filter((s) => s.direction === 'supply');
  const demandsByPartition = new Map<string, MatchableStream[]>();
  for (const s of active) {
    if (s.direction !== 'demand') continue;
    const key = partitionOf(s);
    const list = demandsByPartition.get(key) ?? [];
    list.push(s);
    demandsByPartition.set(key, list);
  }
  const partitions = new Map<string, Partition>();
  for (const [key, demands] of demandsByPartition) {
    const index = new KDBush(demands.length);
    for (const d of demands) index.add(d.site.longitude, d.site.latitude);
    index.finish();
    partitions.set(key, { demands, index, tops: new Array<TopK | undefined>(demands.length) });
  }
  const buffer = new ScoreBuffer();
  const kept: ScoredPair[] = [];
  const inKept = new Set<ScoredPair>();
  let qualifying = 0;
  let scored = 0;
  const progressStep = Math.max(50, Math.min(2000, Math.ceil(supplies.length / 50)));
  for (let i = 0; i < supplies.length; i++) {
    const supply = supplies[i];
    const box = reachBox(supply);
    const supplyTop = new TopK(k);
    const unit = CANONICAL_UNIT[supply.category];
    for (const key of counterpartPartitions(supply)) {
      const partition = partitions.get(key);
      if (!partition) continue;
      const { demands, index, tops } = partition;
      for (const id of index.range(box.minLon, box.minLat, box.maxLon, box.maxLat)) {
        const demand = demands[id];
        if (demand.companyId === supply.companyId) continue;
        scored++;
        if (!scorePairInto(buffer, supply, demand, CURRENT_FACTOR_SET)) continue;
        qualifying++;
        const b = buffer;
        const inSupply = supplyTop.admits(b.netCo2, b.energySaved, b.routeKm, supply.id, demand.id);
        let demandTop = tops[id];
        const inDemand =
          !demandTop || demandTop.admits(b.netCo2, b.energySaved, b.routeKm, supply.id, demand.id);
        if (!inSupply && !inDemand) continue;
        const pair: ScoredPair = {
          supplyId: supply.id,
          demandId: demand.id,
          category: supply.category,
          score: b.netCo2,
          energy: b.energySaved,
          routeKm: b.routeKm,
          distanceKm: b.distanceKm,
          exchanged: b.exchanged,
          exchangedUnit: unit,
          mode: b.mode,
          gross: b.grossCo2,
          deducted: b.deductedCo2,
          flags: sharedFlags(b.flagsMask),
        };
        if (inSupply) supplyTop.insert(pair);
        if (inDemand) {
          if (!demandTop) tops[id] = demandTop = new TopK(k);
          demandTop.insert(pair);
        }
      }
    }
    for (const p of supplyTop.items) {
      kept.push(p);
      inKept.add(p);
    }
    // Report progress (and let the event loop breathe: lock renewal, shutdown signals) about every 2 %.
    if (onProgress && ((i + 1) % progressStep === 0 || i === supplies.length - 1)) {
      await onProgress(i + 1, supplies.length);
    }
  }
  for (const { tops } of partitions.values()) {
    for (const top of tops) {
      if (!top) continue;
      for (const p of top.items) if (!inKept.has(p)) kept.push(p);
    }
  }
  return { kept, qualifying, scored };
}
