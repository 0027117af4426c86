import {
  arrivalAt,
  arrivalLossPerKm,
  CANONICAL_UNIT,
  CURRENT_FACTOR_SET,
  FactorSet,
  flagsFromMask,
  chordKm,
  heatPairCeiling,
  pairCeilingOf,
  perUnitCeiling,
  purityPctOf,
  ScoreBuffer,
  scorePair,
  scorePairInto,
  temperatureCOf,
  unitVector,
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

/** The scored pair in `b` as a new ScoredPair. */
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

/**
 * What the score ceilings read of a stream, worked out once per stream (the matcher's in-memory state
 * keeps them beside each stream) instead of once per candidate pair.
 */
export interface CeilingFacts {
  /** perUnitCeiling under CURRENT_FACTOR_SET. */
  perUnit: number;
  /** purityPctOf (NaN outside CO2 and hydrogen). */
  purity: number;
  /** temperatureCOf (NaN when not a number). */
  temperature: number;
  belgium: boolean;
  /** Position on the unit sphere (chordKm). */
  x: number;
  y: number;
  z: number;
}

export function ceilingFactsOf(s: MatchableStream, factors: FactorSet = CURRENT_FACTOR_SET): CeilingFacts {
  const [x, y, z] = unitVector(s.site.latitude, s.site.longitude);
  return {
    perUnit: perUnitCeiling(s, factors),
    purity: purityPctOf(s),
    temperature: temperatureCOf(s),
    belgium: s.site.country === 'BE',
    x,
    y,
    z,
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
  candidateFacts?: readonly CeilingFacts[],
): BoundedScoring {
  const out: ScoredPair[] = [];
  // Per pair in `out`: its counterpart's K-th best (-Infinity for stored pairs and lists not full).
  const outFloors: number[] = [];
  const own = new TopScores(k);
  const isSupply = stream.direction === 'supply';
  const self = ceilingFactsOf(stream, factors);
  const purity = self.purity;
  const checkPurity = !Number.isNaN(purity);
  const quantity = stream.annualQuantity;
  const perUnit = self.perUnit;
  const lossPerKm = arrivalLossPerKm(stream.category, factors);
  const heatCeiling = stream.category === 'heat' ? heatPairCeiling(factors) : null;
  // Facts worked out beforehand are for the current factor set only.
  const facts = factors === CURRENT_FACTOR_SET ? candidateFacts : undefined;
  // Candidates below their counterpart's floor, for the second pass, with their ceilings before the
  // distance (tightened there once, if still needed).
  const later: number[] = [];
  const laterCeilings: number[] = [];
  let skipped = 0;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i];
    if (candidate.companyId === stream.companyId || candidate.id === stream.id) continue;
    const f = facts ? facts[i] : ceilingFactsOf(candidate, factors);
    if (checkPurity && (isSupply ? purity < f.purity : f.purity < purity)) continue;
    const stored = always.has(candidate.id);
    // Heat: the temperatures tighten the demand's side (a heat pump's electricity), or reject the pair.
    const ceiling = isSupply
      ? pairCeilingOf(
          heatCeiling,
          quantity,
          perUnit,
          self.temperature,
          candidate.annualQuantity,
          f.perUnit,
          f.temperature,
          f.belgium,
        )
      : pairCeilingOf(
          heatCeiling,
          candidate.annualQuantity,
          f.perUnit,
          f.temperature,
          quantity,
          perUnit,
          self.temperature,
          self.belgium,
        );
    if (ceiling === -Infinity && !stored) {
      skipped++;
      continue;
    }
    const floor = counterpartKthBest[i];
    if (floor === -Infinity || stored) {
      scoreInto(out, outFloors, own, stream, candidate, isSupply, factors, -Infinity);
      continue;
    }
    if (ceiling >= floor && ceilingAt(ceiling, self, f, lossPerKm) >= floor) {
      scoreInto(out, outFloors, own, stream, candidate, isSupply, factors, floor);
    } else {
      later.push(i);
      laterCeilings.push(ceiling);
    }
  }
  for (let j = 0; j < later.length; j++) {
    const i = later[j];
    const candidate = candidates[i];
    const ceiling = laterCeilings[j];
    if (ceiling < own.floor) {
      skipped++;
      continue;
    }
    const f = facts ? facts[i] : ceilingFactsOf(candidate, factors);
    if (ceilingAt(ceiling, self, f, lossPerKm) < own.floor) skipped++;
    else scoreInto(out, outFloors, own, stream, candidate, isSupply, factors, Infinity);
  }
  // A pair that ranks below the stream's final K-th best and below its counterpart's K-th best enters
  // neither list: left out, as if it had been skipped (a CO2 or hydrogen stream that is the smaller
  // side ties on its ceiling with thousands of candidates, and they all qualify).
  const finalFloor = own.floor;
  let kept = 0;
  for (let i = 0; i < out.length; i++) {
    const p = out[i];
    if (p.score >= finalFloor || p.score >= outFloors[i]) out[kept++] = p;
  }
  out.length = kept;
  return { pairs: out, skipped };
}

/**
 * A pair's score ceiling tightened by heat's loss over its distance (unchanged for the other
 * categories); the chord bounds the distance from below without trigonometry.
 */
function ceilingAt(ceiling: number, a: CeilingFacts, b: CeilingFacts, lossPerKm: number): number {
  if (lossPerKm === 0) return ceiling;
  return ceiling * arrivalAt(lossPerKm, chordKm(a.x, a.y, a.z, b.x, b.y, b.z));
}

/**
 * Scores (stream, candidate) into the stream's running top scores when the pair qualifies, and into
 * `out` unless it can enter neither list: below the counterpart's K-th best (`counterpartFloor`) and
 * below the stream's K-th best so far (which only rises).
 */
function scoreInto(
  out: ScoredPair[],
  outFloors: number[],
  own: TopScores,
  stream: MatchableStream,
  candidate: MatchableStream,
  isSupply: boolean,
  factors: FactorSet,
  counterpartFloor: number,
): void {
  const b = BUFFER;
  const supply = isSupply ? stream : candidate;
  const demand = isSupply ? candidate : stream;
  if (!scorePairInto(b, supply, demand, factors)) return;
  const score = b.netCo2;
  own.add(score);
  if (score < counterpartFloor && score < own.floor) return;
  out.push(pairFromBuffer(b, supply, demand));
  outFloors.push(counterpartFloor);
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
