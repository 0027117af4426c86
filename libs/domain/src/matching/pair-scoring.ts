import {
  arrivalAt,
  arrivalLossPerKm,
  CANONICAL_UNIT,
  CURRENT_FACTOR_SET,
  FactorSet,
  flagsFromMask,
  greatCircleKm,
  pairScoreCeiling,
  perUnitCeiling,
  purityPctOf,
  ScoreBuffer,
  scorePair,
  scorePairInto,
} from '@symbiose/engine';
import { MatchableStream, ScoredPair } from './matching.types';

/**
 * What lets scoreAgainst leave out candidates whose pair with the stream can be kept by neither side:
 * its score ceiling (see the engine's score.ceiling) is below the stream's K-th best pair so far and
 * below the counterpart's K-th best stored pair. `counterpartKth` gives that score, or -Infinity when
 * it is unknown or the pair must be scored anyway (the stream already holds a pair with it).
 */
export interface ScorePruning {
  k: number;
  counterpartKth: (counterpartId: string) => number;
  /** Incremented per candidate left out unscored. */
  skipped: number;
}

/**
 * Scores one stream against candidates of the opposite direction; pairs within one company are
 * internal, not exchanges. With `pruning`, the result leaves out qualifying pairs that rank after both
 * the stream's K-th best pair and the counterpart's K-th best (the stream's own top K is exact).
 */
export function scoreAgainst(
  stream: MatchableStream,
  candidates: readonly MatchableStream[],
  factors: FactorSet = CURRENT_FACTOR_SET,
  pruning?: ScorePruning,
): ScoredPair[] {
  const out: ScoredPair[] = [];
  const isSupply = stream.direction === 'supply';
  const b = BUFFER;
  // CO2 and hydrogen: a supply less pure than the demand needs is rejected by the engine (purityPctOf).
  const purity = purityPctOf(stream);
  const checkPurity = !Number.isNaN(purity);
  // The stream's K best scores so far, as a min-heap: its root is the K-th best once K are in.
  const k = pruning?.k ?? 0;
  const best = pruning ? new Float64Array(k) : null;
  let held = 0;
  const ownCeiling = pruning ? perUnitCeiling(stream, factors) : 0;
  const lossPerKm = pruning ? arrivalLossPerKm(stream.category, factors) : 0;
  for (const candidate of candidates) {
    if (candidate.companyId === stream.companyId || candidate.id === stream.id) continue;
    if (checkPurity && (isSupply ? purity < purityPctOf(candidate) : purityPctOf(candidate) < purity))
      continue;
    const supply = isSupply ? stream : candidate;
    const demand = isSupply ? candidate : stream;
    if (pruning && best && held === k) {
      const floor = Math.min(best[0], pruning.counterpartKth(candidate.id));
      const ceiling = pairScoreCeiling(
        supply.annualQuantity,
        isSupply ? ownCeiling : perUnitCeiling(supply, factors),
        demand.annualQuantity,
        isSupply ? perUnitCeiling(demand, factors) : ownCeiling,
      );
      if (
        ceiling < floor ||
        (lossPerKm > 0 &&
          ceiling *
            arrivalAt(
              lossPerKm,
              greatCircleKm(
                supply.site.latitude,
                supply.site.longitude,
                demand.site.latitude,
                demand.site.longitude,
              ),
            ) <
            floor)
      ) {
        pruning.skipped++;
        continue;
      }
    }
    // Allocation-free for the (many) rejected candidates; one object per qualifying pair.
    if (!scorePairInto(b, supply, demand, factors)) continue;
    if (best) {
      if (held < k) heapPush(best, held++, b.netCo2);
      else if (b.netCo2 > best[0]) heapReplaceRoot(best, k, b.netCo2);
    }
    out.push({
      supplyId: supply.id,
      demandId: demand.id,
      category: supply.category,
      score: b.netCo2,
      energy: b.energySaved,
      routeKm: b.routeKm,
      distanceKm: b.distanceKm,
      exchanged: b.exchanged,
      exchangedUnit: CANONICAL_UNIT[supply.category],
      mode: b.mode,
      gross: b.grossCo2,
      deducted: b.deductedCo2,
      flags: sharedFlags(b.flagsMask),
    });
  }
  return out;
}

/** Min-heap of numbers in heap[0 … size-1]: adds x. */
function heapPush(heap: Float64Array, size: number, x: number): void {
  let i = size;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent] <= x) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = x;
}

/** Min-heap of numbers in heap[0 … size-1]: replaces the smallest with x. */
function heapReplaceRoot(heap: Float64Array, size: number, x: number): void {
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= size) break;
    const right = left + 1;
    const child = right < size && heap[right] < heap[left] ? right : left;
    if (heap[child] >= x) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = x;
}

const BUFFER = new ScoreBuffer();
const FLAG_ARRAYS = new Map<number, string[]>();

/** Flags are few distinct masks: one shared, never mutated array per mask. */
export function sharedFlags(mask: number): string[] {
  let flags = FLAG_ARRAYS.get(mask);
  if (!flags) FLAG_ARRAYS.set(mask, (flags = flagsFromMask(mask)));
  return flags;
}

export function scorePairOf(
  supply: MatchableStream,
  demand: MatchableStream,
  factors: FactorSet = CURRENT_FACTOR_SET,
): ScoredPair | null {
  const r = scorePair(supply, demand, factors);
  if (!r.ok) return null;
  return {
    supplyId: supply.id,
    demandId: demand.id,
    category: supply.category,
    score: r.netCo2,
    energy: r.energySaved,
    routeKm: r.routeKm,
    distanceKm: r.distanceKm,
    exchanged: r.exchanged,
    exchangedUnit: CANONICAL_UNIT[supply.category],
    mode: r.mode,
    gross: r.grossCo2,
    deducted: r.deductedCo2,
    flags: flagsFromMask(r.flagsMask),
  };
}
