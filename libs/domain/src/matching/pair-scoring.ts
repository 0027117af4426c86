import {
  CANONICAL_UNIT,
  CURRENT_FACTOR_SET,
  FactorSet,
  flagsFromMask,
  purityPctOf,
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
