import {
  arrivalCeiling,
  CANONICAL_UNIT,
  CURRENT_FACTOR_SET,
  FactorSet,
  flagsFromMask,
  greatCircleKm,
  pairScoreCeiling,
  perUnitCeiling,
  ScoreBuffer,
  scorePair,
  scorePairInto,
} from '@symbiose/engine';
import { MatchableStream, ScoredPair } from './matching.types';

/** Scores one stream against candidates of the opposite direction; pairs within one company are internal, not exchanges. */
export function scoreAgainst(
  stream: MatchableStream,
  candidates: readonly MatchableStream[],
  factors: FactorSet = CURRENT_FACTOR_SET,
): ScoredPair[] {
  const out: ScoredPair[] = [];
  const isSupply = stream.direction === 'supply';
  const b = BUFFER;
  for (const candidate of candidates) {
    if (candidate.companyId === stream.companyId || candidate.id === stream.id) continue;
    const supply = isSupply ? stream : candidate;
    const demand = isSupply ? candidate : stream;
    // Allocation-free for the (many) rejected candidates; one object per qualifying pair.
    if (!scorePairInto(b, supply, demand, factors)) continue;
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

/**
 * scoreAgainst without the candidates that cannot enter either top K: a candidate is skipped when its
 * pair's score ceiling (engine: quantities, per-unit ceilings, heat's pipe losses over the distance) is
 * below both the stream's K-th best pair scored so far and `floorOf(candidate)`, the candidate's K-th
 * best stored score (-Infinity: always score it). The pairs it returns hold the stream's top K exactly.
 */
export function scoreAgainstBounded(
  stream: MatchableStream,
  candidates: readonly MatchableStream[],
  k: number,
  floorOf: (candidate: MatchableStream) => number,
  factors: FactorSet = CURRENT_FACTOR_SET,
): { pairs: ScoredPair[]; skipped: number } {
  const pairs: ScoredPair[] = [];
  const isSupply = stream.direction === 'supply';
  const b = BUFFER;
  const own = new KthBest(k);
  const ownQuantity = stream.annualQuantity;
  const ownCeiling = perUnitCeiling(stream, factors);
  const lossy = arrivalCeiling(stream.category, 1, factors) < 1;
  let skipped = 0;
  for (const candidate of candidates) {
    if (candidate.companyId === stream.companyId || candidate.id === stream.id) continue;
    const ownFloor = own.floor;
    if (ownFloor !== -Infinity) {
      const candidateFloor = floorOf(candidate);
      let ceiling = isSupply
        ? pairScoreCeiling(
            ownQuantity,
            ownCeiling,
            candidate.annualQuantity,
            perUnitCeiling(candidate, factors),
          )
        : pairScoreCeiling(
            candidate.annualQuantity,
            perUnitCeiling(candidate, factors),
            ownQuantity,
            ownCeiling,
          );
      if (lossy && !(ceiling < ownFloor && ceiling < candidateFloor)) {
        const km = greatCircleKm(
          stream.site.latitude,
          stream.site.longitude,
          candidate.site.latitude,
          candidate.site.longitude,
        );
        ceiling *= arrivalCeiling(stream.category, km, factors);
      }
      if (ceiling < ownFloor && ceiling < candidateFloor) {
        skipped++;
        continue;
      }
    }
    const supply = isSupply ? stream : candidate;
    const demand = isSupply ? candidate : stream;
    if (!scorePairInto(b, supply, demand, factors)) continue;
    own.push(b.netCo2);
    pairs.push({
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
  return { pairs, skipped };
}

/** The k-th highest of the scores pushed so far (a min-heap of k scores); -Infinity until k were pushed. */
class KthBest {
  private readonly heap: Float64Array;
  private size = 0;
  constructor(private readonly k: number) {
    this.heap = new Float64Array(k);
  }

  get floor(): number {
    return this.size < this.k ? -Infinity : this.heap[0];
  }

  push(score: number): void {
    const h = this.heap;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!(score < h[parent])) break;
        h[i] = h[parent];
        i = parent;
      }
      h[i] = score;
      return;
    }
    if (!(score > h[0])) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.k) break;
      const r = l + 1;
      const c = r < this.k && h[r] < h[l] ? r : l;
      if (!(h[c] < score)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = score;
  }
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
