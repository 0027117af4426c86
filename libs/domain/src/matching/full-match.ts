import {
  CANONICAL_UNIT,
  CURRENT_FACTOR_SET,
  ScoreBuffer,
  scorePairInto,
  arrivalAt,
  arrivalLossPerKm,
  counterpartPartitions,
  greatCircleKm,
  pairScoreCeiling,
  partitionOf,
  perUnitCeiling,
  purityPctOf,
} from '@symbiose/engine';
import KDBush from 'kdbush';
import { MatchableStream, ScoredPair } from './matching.types';
import { sharedFlags } from './pair-scoring';
import { reachBox } from './reach-box';

export interface FullMatchResult {
  /** Pairs kept by the bounded-storage rule (top K of either side). */
  kept: ScoredPair[];
  /** How many of `kept` (its first ones) were handed to onFinalPairs during the run. */
  handedOver: number;
  /** Number of qualifying pairs seen. */
  qualifying: number;
  /** Candidate pairs scored. */
  scored: number;
  /**
   * Candidate pairs not scored: their score ceiling was below both sides' K-th best at the time, or
   * (CO2, hydrogen) the supply is less pure than the demand needs.
   */
  skipped: number;
}

/**
 * Receives kept pairs while the run goes on (a supply's top K is final once the supply is done), in
 * batches of at least `batch`, so a caller can write them while the rest is scored.
 */
export interface FinalPairsSink {
  readonly batch: number;
  take(pairs: readonly ScoredPair[]): void;
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
 * and an insert into a full buffer costs log k. The scores sit in a typed array beside the heap: the
 * sift compares them without loading the pair objects (scattered over the heap of a large run, each
 * a cache miss) and only a tie asks the pairs for the rest of the order.
 */
class TopK {
  private readonly heap: PooledPair[] = [];
  private readonly scores: Float64Array;
  constructor(private readonly k: number) {
    this.scores = new Float64Array(k);
  }

  admits(score: number, energy: number, routeKm: number, supplyId: string, demandId: string): boolean {
    if (this.heap.length < this.k) return true;
    const worst = this.scores[0];
    if (score !== worst) return score > worst;
    return ranksBefore(score, energy, routeKm, supplyId, demandId, this.heap[0]);
  }

  /** Call only after `admits` said yes. Returns the pair it evicted, if any. */
  insert(p: PooledPair): PooledPair | null {
    const h = this.heap;
    const sc = this.scores;
    const s = p.score;
    if (h.length < this.k) {
      let i = h.length;
      h.push(p);
      while (i > 0) {
        const parent = (i - 1) >> 1;
        const ps = sc[parent];
        if (!(s < ps || (s === ps && worse(p, h[parent])))) break;
        h[i] = h[parent];
        sc[i] = ps;
        i = parent;
      }
      h[i] = p;
      sc[i] = s;
      return null;
    }
    const evicted = h[0];
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (sc[r] < sc[l] || (sc[r] === sc[l] && worse(h[r], h[l])))) c = r;
      const cs = sc[c];
      if (!(cs < s || (cs === s && worse(h[c], p)))) break;
      h[i] = h[c];
      sc[i] = cs;
      i = c;
    }
    h[i] = p;
    sc[i] = s;
    return evicted;
  }

  /** Score of the worst pair held when full; -Infinity while the buffer still admits anything. */
  get floor(): number {
    return this.heap.length < this.k ? -Infinity : this.scores[0];
  }

  /** The pairs held, in heap order (unsorted). */
  get items(): readonly PooledPair[] {
    return this.heap;
  }

  clear(): void {
    this.heap.length = 0;
  }
}

const byId = (a: MatchableStream, b: MatchableStream) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const byPair = (a: ScoredPair, b: ScoredPair) =>
  a.supplyId !== b.supplyId ? (a.supplyId < b.supplyId ? -1 : 1) : a.demandId < b.demandId ? -1 : 1;

/** Longest stretch of scoring without letting other work of the process run. */
const YIELD_EVERY_MS = 10;

/**
 * A candidate partition's demands with what the inner loop reads per candidate in flat arrays (by the
 * index's ids), so that skipping a candidate touches neither the stream nor its buffer: company as a
 * number, quantity, per-unit score ceiling and position, and the score of the worst pair in the
 * demand's full buffer (-Infinity while it is not full).
 */
interface Partition {
  demands: MatchableStream[];
  index: KDBush;
  tops: (TopK | undefined)[];
  company: Int32Array;
  quantity: Float64Array;
  ceiling: Float64Array;
  floor: Float64Array;
  latitude: Float64Array;
  longitude: Float64Array;
  /** CO2 and hydrogen: the purity the demand needs (NaN otherwise, and never skips). */
  purity: Float64Array;
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
  onFinalPairs?: FinalPairsSink,
): Promise<FullMatchResult> {
  const active = streams.filter((s) => s.status === 'active');
  // Supplies in id order, so the kept pairs come out in (supply, demand)-ish order and their writes go
  // into the pair and rank indexes in order (a tenth cheaper than random order). The result does not
  // depend on the order: every buffer ends with its true top K under a total order.
  const supplies = active.filter((s) => s.direction === 'supply').sort(byId);
  const demandsByPartition = new Map<string, MatchableStream[]>();
  for (const s of active) {
    if (s.direction !== 'demand') continue;
    const key = partitionOf(s);
    const list = demandsByPartition.get(key) ?? [];
    list.push(s);
    demandsByPartition.set(key, list);
  }
  const companyIds = new Map<string, number>();
  const companyOf = (s: MatchableStream) => {
    let n = companyIds.get(s.companyId);
    if (n === undefined) companyIds.set(s.companyId, (n = companyIds.size));
    return n;
  };
  const partitions = new Map<string, Partition>();
  for (const [key, demands] of demandsByPartition) {
    const index = new KDBush(demands.length);
    for (const d of demands) index.add(d.site.longitude, d.site.latitude);
    index.finish();
    const n = demands.length;
    const partition: Partition = {
      demands,
      index,
      tops: new Array<TopK | undefined>(n),
      company: new Int32Array(n),
      quantity: new Float64Array(n),
      ceiling: new Float64Array(n),
      floor: new Float64Array(n).fill(-Infinity),
      latitude: new Float64Array(n),
      longitude: new Float64Array(n),
      purity: new Float64Array(n),
    };
    demands.forEach((d, i) => {
      partition.latitude[i] = d.site.latitude;
      partition.longitude[i] = d.site.longitude;
      partition.company[i] = companyOf(d);
      partition.quantity[i] = d.annualQuantity;
      partition.ceiling[i] = perUnitCeiling(d, CURRENT_FACTOR_SET);
      partition.purity[i] = purityPctOf(d);
    });
    partitions.set(key, partition);
  }
  const buffer = new ScoreBuffer();
  const kept: ScoredPair[] = [];
  const pool: PooledPair[] = [];
  const release = (p: PooledPair | null) => {
    if (p && --p.holders === 0 && !p.kept) pool.push(p);
  };
  let qualifying = 0;
  let scored = 0;
  let skipped = 0;
  const supplyTop = new TopK(k);
  const progressStep = Math.max(50, Math.min(2000, Math.ceil(supplies.length / 50)));
  let lastYield = performance.now();
  let handedOver = 0;
  for (let i = 0; i < supplies.length; i++) {
    const supply = supplies[i];
    const box = reachBox(supply);
    const unit = CANONICAL_UNIT[supply.category];
    const supplyCompany = companyOf(supply);
    const supplyQuantity = supply.annualQuantity;
    const supplyCeiling = perUnitCeiling(supply, CURRENT_FACTOR_SET);
    let supplyFloor = -Infinity;
    const category = supply.category;
    const lossPerKm = arrivalLossPerKm(category, CURRENT_FACTOR_SET);
    const lossy = lossPerKm > 0;
    const supplyLat = supply.site.latitude;
    const supplyLon = supply.site.longitude;
    const supplyPurity = purityPctOf(supply);
    for (const key of counterpartPartitions(supply)) {
      const partition = partitions.get(key);
      if (!partition) continue;
      const { demands, index, tops, company, quantity, ceiling, floor, latitude, longitude, purity } =
        partition;
      for (const id of index.range(box.minLon, box.minLat, box.maxLon, box.maxLat)) {
        if (company[id] === supplyCompany) continue;
        // Less pure than the demand needs: the engine rejects it (see purityPctOf), so it is not scored.
        if (supplyPurity < purity[id]) {
          skipped++;
          continue;
        }
        // A pair whose score cannot reach the worst pair of either full buffer would be turned away
        // by both: skip scoring it (the buffers, and so the result, are exactly as without the skip).
        const ceilingScore = pairScoreCeiling(supplyQuantity, supplyCeiling, quantity[id], ceiling[id]);
        const demandFloor = floor[id];
        if (ceilingScore < supplyFloor && ceilingScore < demandFloor) {
          skipped++;
          continue;
        }
        // Heat loses some of it in the pipe: with the distance the ceiling tightens (worth its sine
        // and arcsine only once both buffers are full).
        if (lossy && supplyFloor !== -Infinity && demandFloor !== -Infinity) {
          const km = greatCircleKm(supplyLat, supplyLon, latitude[id], longitude[id]);
          const atDistance = ceilingScore * arrivalAt(lossPerKm, km);
          if (atDistance < supplyFloor && atDistance < demandFloor) {
            skipped++;
            continue;
          }
        }
        const demand = demands[id];
        scored++;
        if (!scorePairInto(buffer, supply, demand, CURRENT_FACTOR_SET)) continue;
        qualifying++;
        const b = buffer;
        const score = b.netCo2;
        // The floors decide most candidates with one comparison; ties and non-full buffers ask the heap.
        const inSupply =
          score > supplyFloor ||
          ((score === supplyFloor || supplyFloor === -Infinity) &&
            supplyTop.admits(score, b.energySaved, b.routeKm, supply.id, demand.id));
        let demandTop = tops[id];
        const inDemand =
          !demandTop ||
          score > demandFloor ||
          ((score === demandFloor || demandFloor === -Infinity) &&
            demandTop.admits(score, b.energySaved, b.routeKm, supply.id, demand.id));
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
        if (inSupply) {
          release(supplyTop.insert(pair));
          supplyFloor = supplyTop.floor;
        }
        if (inDemand) {
          if (!demandTop) tops[id] = demandTop = new TopK(k);
          release(demandTop.insert(pair));
          floor[id] = demandTop.floor;
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
    if (onFinalPairs && kept.length - handedOver >= onFinalPairs.batch) {
      onFinalPairs.take(kept.slice(handedOver));
      handedOver = kept.length;
    }
    // Report progress about every 2 %; let the event loop breathe (lock renewal, shutdown signals, the
    // previous category's writes) every few milliseconds.
    if (onProgress && ((i + 1) % progressStep === 0 || i === supplies.length - 1)) {
      await onProgress(i + 1, supplies.length);
      lastYield = performance.now();
    } else if ((i & 15) === 15 && performance.now() - lastYield > YIELD_EVERY_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
  const demandSideOnly: ScoredPair[] = [];
  for (const { tops } of partitions.values()) {
    for (const top of tops) {
      if (!top) continue;
      for (const p of top.items) {
        if (p.kept) continue;
        p.kept = true;
        demandSideOnly.push(p);
      }
    }
  }
  demandSideOnly.sort(byPair);
  for (const p of demandSideOnly) kept.push(p);
  return { kept, handedOver, qualifying, scored, skipped };
}
