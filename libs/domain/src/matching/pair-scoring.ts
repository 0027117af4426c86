import {
  arrivalAt,
  arrivalLossPerKm,
  CANONICAL_UNIT,
  CURRENT_FACTOR_SET,
  FactorSet,
  flagsFromMask,
  greatCircleKm,
  heatPairCeiling,
  pairScoreCeiling,
  perUnitCeiling,
  purityPctOf,
  ScoreBuffer,
  scorePair,
  scorePairInto,
  temperatureCOf,
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
  // CO2 and hydrogen: a supply less pure than the demand needs is rejected by the engine (purityPctOf).
  const purity = purityPctOf(stream);
  const checkPurity = !Number.isNaN(purity);
  for (const candidate of candidates) {
    if (candidate.companyId === stream.companyId || candidate.id === stream.id) continue;
    if (checkPurity && (isSupply ? purity < purityPctOf(candidate) : purityPctOf(candidate) < purity))
      continue;
    const supply = isSupply ? stream : candidate;
    const demand = isSupply ? candidate : stream;
    // Allocation-free for the (many) rejected candidates; one object per qualifying pair.
    if (scorePairInto(b, supply, demand, factors)) out.push(pairFromBuffer(b, supply, demand));
  }
  return out;
}

function pairFromBuffer(b: ScoreBuffer, supply: MatchableStream, demand: MatchableStream): ScoredPair {
  return {
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
  };
}

/** The K best scores seen so far (a min-heap of numbers): `floor` is the K-th best once K are in. */
class TopScores {
  private readonly heap: Float64Array;
  private size = 0;
  constructor(private readonly k: number) {
    this.heap = new Float64Array(Math.max(k, 1));
  }

  get floor(): number {
    return this.size < this.k ? -Infinity : this.heap[0];
  }

  add(score: number): void {
    const h = this.heap;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (h[parent] <= score) break;
        h[i] = h[parent];
        i = parent;
      }
      h[i] = score;
      return;
    }
    if (score <= h[0]) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && h[r] < h[l] ? r : l;
      if (h[c] >= score) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = score;
  }
}

export interface BoundedScoring {
  /** Every qualifying pair that can rank in the stream's top K or in its counterpart's (and every pair in `always`). */
  pairs: ScoredPair[];
  /**
   * Candidates not scored: their score ceiling was below both lists' K-th best, or (heat) the engine
   * rejects them for their temperatures.
   */
  skipped: number;
}

/**
 * scoreAgainst for an incremental job, which only needs the pairs that can enter the stream's own top
 * K or the counterpart's. A candidate whose score ceiling (the engine's pairScoreCeiling; heat's is
 * tightened by the temperatures, heatPairCeiling, and by the loss over the distance) is below both the counterpart's K-th best stored score
 * (`counterpartKthBest[i]` for `candidates[i]`: -Infinity when unknown or the list is shorter than K) and the K-th best score
 * of the stream's pairs scored so far cannot enter either list, so it is not scored: its pair would be
 * dropped by the bounded-storage rule anyway. Candidates the stream has a stored pair with (`always`)
 * are always scored, since their rows need the fresh estimate or the expiry. The candidates that may
 * enter their own list go first, so the stream's own K-th best is known before the rest are tested.
 */
export function scoreAgainstBounded(
  stream: MatchableStream,
  candidates: readonly MatchableStream[],
  k: number,
  counterpartKthBest: readonly number[],
  always: { has(counterpartId: string): boolean },
  factors: FactorSet = CURRENT_FACTOR_SET,
): BoundedScoring {
  const out: ScoredPair[] = [];
  const own = new TopScores(k);
  const isSupply = stream.direction === 'supply';
  const purity = purityPctOf(stream);
  const checkPurity = !Number.isNaN(purity);
  const quantity = stream.annualQuantity;
  const perUnit = perUnitCeiling(stream, factors);
  const lossPerKm = arrivalLossPerKm(stream.category, factors);
  const heatCeiling = stream.category === 'heat' ? heatPairCeiling(factors) : null;
  const temperature = temperatureCOf(stream);
  // Candidates below their counterpart's floor, for the second pass, with their ceilings before the
  // distance (tightened there once, if still needed).
  const later: MatchableStream[] = [];
  const laterCeilings: number[] = [];
  let skipped = 0;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i];
    if (candidate.companyId === stream.companyId || candidate.id === stream.id) continue;
    if (checkPurity && (isSupply ? purity < purityPctOf(candidate) : purityPctOf(candidate) < purity))
      continue;
    const stored = always.has(candidate.id);
    const candidateCeiling = perUnitCeiling(candidate, factors);
    // Heat: the temperatures tighten the demand's side (a heat pump's electricity), or reject the pair.
    const demandUnit = !heatCeiling
      ? isSupply
        ? candidateCeiling
        : perUnit
      : isSupply
        ? heatCeiling(
            temperature,
            temperatureCOf(candidate),
            candidateCeiling,
            candidate.site.country === 'BE',
          )
        : heatCeiling(temperatureCOf(candidate), temperature, perUnit, stream.site.country === 'BE');
    if (demandUnit === -Infinity && !stored) {
      skipped++;
      continue;
    }
    const floor = counterpartKthBest[i];
    if (floor === -Infinity || stored) {
      scoreInto(out, own, stream, candidate, isSupply, factors);
      continue;
    }
    const ceiling = isSupply
      ? pairScoreCeiling(quantity, perUnit, candidate.annualQuantity, demandUnit)
      : pairScoreCeiling(candidate.annualQuantity, candidateCeiling, quantity, demandUnit);
    if (ceiling >= floor && ceilingAt(ceiling, stream, candidate, lossPerKm) >= floor) {
      scoreInto(out, own, stream, candidate, isSupply, factors);
    } else {
      later.push(candidate);
      laterCeilings.push(ceiling);
    }
  }
  for (let i = 0; i < later.length; i++) {
    const candidate = later[i];
    const ceiling = laterCeilings[i];
    if (ceiling < own.floor || ceilingAt(ceiling, stream, candidate, lossPerKm) < own.floor) skipped++;
    else scoreInto(out, own, stream, candidate, isSupply, factors);
  }
  return { pairs: out, skipped };
}

/** A pair's score ceiling tightened by heat's loss over its distance (unchanged for the other categories). */
function ceilingAt(
  ceiling: number,
  stream: MatchableStream,
  candidate: MatchableStream,
  lossPerKm: number,
): number {
  if (lossPerKm === 0) return ceiling;
  const { latitude, longitude } = stream.site;
  const km = greatCircleKm(latitude, longitude, candidate.site.latitude, candidate.site.longitude);
  return ceiling * arrivalAt(lossPerKm, km);
}

/** Scores (stream, candidate) into `out` and the stream's running top scores when the pair qualifies. */
function scoreInto(
  out: ScoredPair[],
  own: TopScores,
  stream: MatchableStream,
  candidate: MatchableStream,
  isSupply: boolean,
  factors: FactorSet,
): void {
  const b = BUFFER;
  const supply = isSupply ? stream : candidate;
  const demand = isSupply ? candidate : stream;
  if (!scorePairInto(b, supply, demand, factors)) return;
  own.add(b.netCo2);
  out.push(pairFromBuffer(b, supply, demand));
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
