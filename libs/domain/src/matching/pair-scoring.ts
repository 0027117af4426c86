import { CANONICAL_UNIT, CURRENT_FACTOR_SET, FactorSet, flagsFromMask, scorePair } from '@symbiose/engine';
import { MatchableStream, ScoredPair } from './matching.types';

/** Scores one stream against candidates of the opposite direction; pairs within one company are internal, not exchanges. */
export function scoreAgainst(
  stream: MatchableStream,
  candidates: readonly MatchableStream[],
  factors: FactorSet = CURRENT_FACTOR_SET,
): ScoredPair[] {
  const out: ScoredPair[] = [];
  for (const candidate of candidates) {
    if (candidate.companyId === stream.companyId || candidate.id === stream.id) continue;
    const supply = stream.direction === 'supply' ? stream : candidate;
    const demand = stream.direction === 'supply' ? candidate : stream;
    const pair = scorePairOf(supply, demand, factors);
    if (pair) out.push(pair);
  }
  return out;
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
