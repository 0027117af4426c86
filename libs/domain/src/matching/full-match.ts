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

/**
 * A pair object of the run, recycled: `holders` counts the top-K buffers holding it; one no buffer
 * holds and that is not kept goes back to the pool. Dense regions admit millions of pairs that a
 * better one evicts soon after; recycling them keeps the heap near the live set (at 100,000 streams
 * the heat category left ~1 GB of evicted pairs for the collector, and the worker's RSS followed).
 */
interface PooledPair extends ScoredPair {
  holders: number;
  kept: boolean;
}

/** True when pair `a` ranks after `b` (is worse). */
function worse(a: ScoredPair, b: ScoredPair): boolean {
  return ranksBefore(b.score, b.energy, b.routeKm, b.supplyId, b.demandId, a);
}

/**
 * The k best pairs seen so far as a binary heap with the worst on top, so `admits` is one comparison
 * and an insert into a full buffer costs log k; `items` sorts once, best first, when asked.
 */
class TopK {
  private readonly heap: PooledPair[] = [];
  constructor(private readonly k: number) {}

  admits(score: number, energy: number, routeKm: number, supplyId: string, demandId: string): boolean {
    if (this.heap.length < this.k) return true;
    const w = this.heap[0];
    if (score !== w.score) return score > w.score;
    return ranksBefore(score, energy, routeKm, supplyId, demandId, w);
  }

  /** Call only after `admits` said yes. Returns the pair it evicted, if any. */
  insert(p: PooledPair): PooledPair | null {
    const h = this.heap;
    if (h.length < this.k) {
      let i = h.push(p) - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!worse(h[i], h[parent])) break;
        [h[i], h[parent]] = [h[parent], h[i]];
        i = parent;
      }
      return null;
    }
    const evicted = h[0];
    h[0] = p;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < h.length && worse(h[l], h[worst])) worst = l;
      if (r < h.length && worse(h[r], h[worst])) worst = r;
      if (worst === i) return evicted;
      [h[i], h[worst]] = [h[worst], h[i]];
      i = worst;
    }
  }

  /** The pairs held, in heap order (unsorted). */
  get items(): readonly PooledPair[] {
    return this.heap;
  }

  clear(): void {
    this.heap.length = 0;
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
  const pool: PooledPair[] = [];
  const release = (p: PooledPair | null) => {
    if (p && --p.holders === 0 && !p.kept) pool.push(p);
  };
  let qualifying = 0;
  let scored = 0;
  const supplyTop = new TopK(k);
  const progressStep = Math.max(50, Math.min(2000, Math.ceil(supplies.length / 50)));
  for (let i = 0; i < supplies.length; i++) {
    const supply = supplies[i];
    const box = reachBox(supply);
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
        const pair = pool.pop() ?? ({} as PooledPair);
        pair.supplyId = supply.id;
        pair.demandId = demand.id;
        pair.category = supply.category;
        pair.score = b.netCo2;
        pair.energy = b.energySaved;
        pair.routeKm = b.routeKm;
        pair.distanceKm = b.distanceKm;
        pair.exchanged = b.exchanged;
        pair.exchangedUnit = unit;
        pair.mode = b.mode;
        pair.gross = b.grossCo2;
        pair.deducted = b.deductedCo2;
        pair.flags = sharedFlags(b.flagsMask);
        pair.holders = (inSupply ? 1 : 0) + (inDemand ? 1 : 0);
        pair.kept = false;
        if (inSupply) release(supplyTop.insert(pair));
        if (inDemand) {
          if (!demandTop) tops[id] = demandTop = new TopK(k);
          release(demandTop.insert(pair));
        }
      }
    }
    // The supply's K best are final: kept for good (a demand buffer may still evict them, never reuse them).
    for (const p of supplyTop.items) {
      p.holders--;
      p.kept = true;
      kept.push(p);
    }
    supplyTop.clear();
    // Report progress (and let the event loop breathe: lock renewal, shutdown signals) about every 2 %.
    if (onProgress && ((i + 1) % progressStep === 0 || i === supplies.length - 1)) {
      await onProgress(i + 1, supplies.length);
    }
  }
  for (const { tops } of partitions.values()) {
    for (const top of tops) {
      if (!top) continue;
      for (const p of top.items) {
        if (p.kept) continue;
        p.kept = true;
        kept.push(p);
      }
    }
  }
  return { kept, qualifying, scored };
}
