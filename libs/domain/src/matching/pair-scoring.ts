import * as engine from '@symbiose/engine';
import { DistanceFreeFigures, type FactorSet, type HeatPairCeiling, ScoreBuffer } from '@symbiose/engine';
import { MatchableStream, ScoredPair } from './matching.types';
import { mthLargestOf } from './order-statistic';
import { streamReachKm } from './reach-box';

/**
 * The engine's functions and constants this file uses, bound once: imported by name, every use read
 * them from the engine's index through the getters TypeScript's CommonJS output puts on re-exports,
 * which the optimising compiler does not fold into a candidate loop (see full-match.ts).
 */
const {
  arrivalLossPerKm,
  beyondReach,
  CANONICAL_UNIT,
  chordKm,
  CURRENT_FACTOR_SET,
  deductionPerUnitKm,
  distanceCeiling,
  distanceFreeRoutePerKm,
  distanceFreeScoreInto,
  flagsFromMask,
  heatPairCeiling,
  heatPumpingPerUnitKm,
  pairCeilingOf,
  perUnitCeiling,
  purityPctOf,
  scoreClassOf,
  scorePair,
  scorePairInto,
  temperatureCOf,
  unitVector,
} = engine;

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
  /** CO2 and hydrogen: the stream's score class (scoreClassOf) as a number (scoreClassCode); -1 elsewhere. */
  scoreClass: number;
}

/** Score classes by number, each with what distanceFreeScoreInto reads of its streams (copied from the first). */
const SCORE_CLASSES = new Map<string, number>();
const SCORE_CLASS_FACTS: MatchableStream[] = [];

/**
 * The stream's score class as a number, in CO2 and hydrogen (the categories whose pairs have one); -1
 * elsewhere. The same numbers in a process (a full re-match's scoring thread has its own).
 */
export function scoreClassCode(s: MatchableStream): number {
  if (distanceFreeRoutePerKm(s.category) === 0) return -1;
  // scoreClassOf is within a category.
  const key = `${s.category}|${scoreClassOf(s)}`;
  let code = SCORE_CLASSES.get(key);
  if (code === undefined) {
    code = SCORE_CLASS_FACTS.length;
    SCORE_CLASSES.set(key, code);
    const facts = {
      category: s.category,
      direction: s.direction,
      currentHandling: s.currentHandling,
      currentSource: s.currentSource,
      site: { ...s.site },
    };
    SCORE_CLASS_FACTS.push(facts as MatchableStream);
  }
  return code;
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
    scoreClass: scoreClassCode(s),
  };
}

/**
 * Candidates with what their score ceilings read, one row of numbers per candidate in one
 * Float64Array (the grid cells of the worker's in-memory state keep their streams the same way). The
 * ceiling pass of an incremental job reads only these rows and touches a candidate's objects only to
 * score it. In a 100,000-stream region the streams lie spread over a heap far larger than the CPU's
 * caches: reading the objects of 4,000 candidates took 8–20 ms in a job, 0.4 ms once cached.
 */
export class CandidateTable {
  static readonly STRIDE = 16;
  // Offsets within a row.
  static readonly LATITUDE = 0;
  static readonly LONGITUDE = 1;
  /** The stream's company as a number (the worker's state numbers companies; 0 elsewhere). */
  static readonly COMPANY = 2;
  /**
   * K its floors were taken for (0 when unknown), and its K-th best stored pair's score (-Infinity when
   * unknown), energy and route (-Infinity and Infinity when unknown: a pair tying on the score may enter).
   */
  static readonly FLOORS_K = 3;
  static readonly KTH_BEST = 4;
  static readonly KTH_ENERGY = 13;
  static readonly KTH_ROUTE = 14;
  static readonly QUANTITY = 5;
  static readonly PER_UNIT = 6;
  static readonly PURITY = 7;
  static readonly TEMPERATURE = 8;
  /** 1 when the site is in Belgium. */
  static readonly BELGIUM = 9;
  static readonly X = 10;
  static readonly Y = 11;
  static readonly Z = 12;
  /** CeilingFacts.scoreClass. */
  static readonly SCORE_CLASS = 15;

  length = 0;
  readonly streams: MatchableStream[] = [];
  data: Float64Array;

  constructor(capacity = 8) {
    this.data = new Float64Array(capacity * CandidateTable.STRIDE);
  }

  /**
   * A table of `streams` with their facts under `factors`; `kthBest[i]` for streams[i] (-Infinity when
   * absent), and its energy and route when given (see KTH_ENERGY).
   */
  static of(
    streams: readonly MatchableStream[],
    factors: FactorSet = CURRENT_FACTOR_SET,
    kthBest?: ArrayLike<number>,
    k = 0,
    kthEnergy?: ArrayLike<number>,
    kthRoute?: ArrayLike<number>,
  ): CandidateTable {
    const table = new CandidateTable(Math.max(streams.length, 1));
    for (let i = 0; i < streams.length; i++) {
      table.add(
        streams[i],
        ceilingFactsOf(streams[i], factors),
        0,
        kthBest ? k : 0,
        kthBest ? kthBest[i] : -Infinity,
        kthEnergy ? kthEnergy[i] : -Infinity,
        kthRoute ? kthRoute[i] : Infinity,
      );
    }
    return table;
  }

  /** Appends a stream; returns its row. */
  add(
    s: MatchableStream,
    f: CeilingFacts,
    company: number,
    floorsK: number,
    kthBest: number,
    kthEnergy = -Infinity,
    kthRoute = Infinity,
  ): number {
    const row = this.grow();
    const d = this.data;
    const r = row * CandidateTable.STRIDE;
    d[r + CandidateTable.LATITUDE] = s.site.latitude;
    d[r + CandidateTable.LONGITUDE] = s.site.longitude;
    d[r + CandidateTable.COMPANY] = company;
    d[r + CandidateTable.FLOORS_K] = floorsK;
    d[r + CandidateTable.KTH_BEST] = kthBest;
    d[r + CandidateTable.KTH_ENERGY] = kthEnergy;
    d[r + CandidateTable.KTH_ROUTE] = kthRoute;
    d[r + CandidateTable.QUANTITY] = s.annualQuantity;
    d[r + CandidateTable.PER_UNIT] = f.perUnit;
    d[r + CandidateTable.PURITY] = f.purity;
    d[r + CandidateTable.TEMPERATURE] = f.temperature;
    d[r + CandidateTable.BELGIUM] = f.belgium ? 1 : 0;
    d[r + CandidateTable.X] = f.x;
    d[r + CandidateTable.Y] = f.y;
    d[r + CandidateTable.Z] = f.z;
    d[r + CandidateTable.SCORE_CLASS] = f.scoreClass;
    this.streams[row] = s;
    return row;
  }

  /** Empties the table, keeping its memory. */
  clear(): void {
    this.length = 0;
    this.streams.length = 0;
  }

  /** Appends row `i` of `from`. */
  copyRow(from: CandidateTable, i: number): void {
    const row = this.grow();
    const n = CandidateTable.STRIDE;
    const d = this.data;
    const src = from.data;
    for (let j = 0, a = row * n, b = i * n; j < n; j++) d[a + j] = src[b + j];
    this.streams[row] = from.streams[i];
  }

  /** Sets row `i`'s floors (see FLOORS_K). */
  setFloors(i: number, floorsK: number, kthBest: number, kthEnergy = -Infinity, kthRoute = Infinity): void {
    const r = i * CandidateTable.STRIDE;
    this.data[r + CandidateTable.FLOORS_K] = floorsK;
    this.data[r + CandidateTable.KTH_BEST] = kthBest;
    this.data[r + CandidateTable.KTH_ENERGY] = kthEnergy;
    this.data[r + CandidateTable.KTH_ROUTE] = kthRoute;
  }

  /** Removes row `i` by moving the last row into it; returns the stream now at `i` (undefined if none). */
  removeRow(i: number): MatchableStream | undefined {
    const last = --this.length;
    const n = CandidateTable.STRIDE;
    const moved = this.streams.pop();
    if (i === last) return undefined;
    this.data.copyWithin(i * n, last * n, last * n + n);
    this.streams[i] = moved!;
    return moved;
  }

  private grow(): number {
    const row = this.length++;
    if (this.length * CandidateTable.STRIDE > this.data.length) {
      const bigger = new Float64Array(Math.max(8, this.length * 2) * CandidateTable.STRIDE);
      bigger.set(this.data);
      this.data = bigger;
    }
    return row;
  }
}

/**
 * True when a pair (score, energy, route) ranks after the one (s, e, r) in the ranking order (compareRank)
 * whatever their ids: a tie on all three is left to the ids, so it is not "after".
 */
function ranksAfter(score: number, energy: number, route: number, s: number, e: number, r: number): boolean {
  return score < s || (score === s && (energy < e || (energy === e && route > r)));
}

/**
 * The K best pairs seen so far by score, energy and route (a heap with the K-th best on top): `floor` is
 * the K-th best score once K are in, and ranksAfterKth tells a pair that ranks after the K-th best (see
 * ranksAfter). A CO2 or hydrogen stream ties on score and energy with hundreds of its candidates (the
 * smaller side's whole quantity, same score classes); their routes rank them.
 */
class TopRanks {
  private readonly scores: Float64Array;
  private readonly energies: Float64Array;
  private readonly routes: Float64Array;
  private size = 0;
  constructor(private readonly k: number) {
    this.scores = new Float64Array(Math.max(k, 1));
    this.energies = new Float64Array(Math.max(k, 1));
    this.routes = new Float64Array(Math.max(k, 1));
  }

  get floor(): number {
    return this.size < this.k ? -Infinity : this.scores[0];
  }

  ranksAfterKth(score: number, energy: number, route: number): boolean {
    return (
      this.size === this.k &&
      ranksAfter(score, energy, route, this.scores[0], this.energies[0], this.routes[0])
    );
  }

  add(score: number, energy: number, route: number): void {
    const s = this.scores;
    const e = this.energies;
    const r = this.routes;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!ranksAfter(score, energy, route, s[parent], e[parent], r[parent])) break;
        s[i] = s[parent];
        e[i] = e[parent];
        r[i] = r[parent];
        i = parent;
      }
      s[i] = score;
      e[i] = energy;
      r[i] = route;
      return;
    }
    if (this.k === 0 || !ranksAfter(s[0], e[0], r[0], score, energy, route)) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) break;
      const right = left + 1;
      const c =
        right < this.size && ranksAfter(s[right], e[right], r[right], s[left], e[left], r[left])
          ? right
          : left;
      if (!ranksAfter(s[c], e[c], r[c], score, energy, route)) break;
      s[i] = s[c];
      e[i] = e[c];
      r[i] = r[c];
      i = c;
    }
    s[i] = score;
    e[i] = energy;
    r[i] = route;
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
 * tightened by the temperatures, heatPairCeiling; heat, water and materials by what they lose over the
 * distance, distanceCeiling) is below both the
 * counterpart's K-th best stored score (the table's KTH_BEST when its FLOORS_K is `k`; otherwise
 * unknown) and the K-th best score of the stream's pairs scored so far cannot enter either list, so it
 * is not scored: its pair would be dropped by the bounded-storage rule anyway. Candidates the stream
 * has a stored pair with (`always`) are always scored, since their rows need the fresh estimate or the
 * expiry. The candidates that may enter their own list go first, so the stream's own K-th best is known
 * before the rest are tested. The table's facts are taken to be under CURRENT_FACTOR_SET.
 */
export function scoreAgainstBounded(
  stream: MatchableStream,
  table: CandidateTable,
  k: number,
  always: { has(counterpartId: string): boolean; readonly size: number },
  factors: FactorSet = CURRENT_FACTOR_SET,
): BoundedScoring {
  const candidates = factors === CURRENT_FACTOR_SET ? table : withFactors(table, factors);
  const d = candidates.data;
  const streams = candidates.streams;
  const n = CandidateTable.STRIDE;
  const out: ScoredPair[] = [];
  // Per pair in `out`: its counterpart's K-th best score, energy and route (-Infinity, -Infinity, Infinity
  // for stored pairs and lists not full: nothing ranks after that).
  const outFloors: number[] = [];
  const own = new TopRanks(k);
  const isSupply = stream.direction === 'supply';
  const self = ceilingFactsOf(stream, factors);
  const purity = self.purity;
  const checkPurity = !Number.isNaN(purity);
  const checkStored = always.size > 0;
  const quantity = stream.annualQuantity;
  const perUnit = self.perUnit;
  const lossPerKm = arrivalLossPerKm(stream.category, factors);
  const deductionPerKm = deductionPerUnitKm(stream.category, factors);
  const heatCeiling = stream.category === 'heat' ? heatPairCeiling(factors) : null;
  const reachKm = streamReachKm(stream, factors);
  // CO2, hydrogen: a candidate whose pair ranks after both lists' K-th best by its score and energy
  // (exact, distanceFreeScoreInto) and a lower bound of its route is not scored. Most of a heavy CO2
  // stream's candidates are the smaller side of their pairs and tie with their counterpart's K-th best
  // on both, then lose on the route.
  const routePerKm = distanceFreeRoutePerKm(stream.category, factors);
  // Candidates below their counterpart's floor, for the second pass, with their ceilings before the
  // distance (tightened once, below).
  const later: number[] = [];
  const laterCeilings: number[] = [];
  let skipped = 0;
  // Only a candidate that is scored is read as an object: one of the stream's own company (an internal
  // transfer, not an exchange) is passed over there.
  // `atFloor`: the counterpart's floors apply (the candidate's row offset), or not (-1: stored or unknown,
  // -2: below them, only its own list left).
  const score = (i: number, atFloor: number) => {
    const candidate = streams[i];
    if (candidate.companyId === stream.companyId || candidate.id === stream.id) return;
    const kthBest =
      atFloor >= 0 ? d[atFloor + CandidateTable.KTH_BEST] : atFloor === -1 ? -Infinity : Infinity;
    const kthEnergy = atFloor >= 0 ? d[atFloor + CandidateTable.KTH_ENERGY] : -Infinity;
    const kthRoute = atFloor >= 0 ? d[atFloor + CandidateTable.KTH_ROUTE] : Infinity;
    scoreInto(out, outFloors, own, stream, candidate, isSupply, factors, kthBest, kthEnergy, kthRoute);
  };
  for (let i = 0; i < candidates.length; i++) {
    const r = i * n;
    const cPurity = d[r + CandidateTable.PURITY];
    if (checkPurity && (isSupply ? purity < cPurity : cPurity < purity)) continue;
    const stored = checkStored && always.has(streams[i].id);
    // The reach box's corners lie beyond the reach (a circle): the chord tells without scoring.
    if (!stored && beyondReach(chordTo(self, d, r), reachKm)) {
      skipped++;
      continue;
    }
    // Heat: the temperatures tighten the demand's side (a heat pump's electricity), or reject the pair.
    // One call site on the pair's supply and demand sides: a call the compiler does not inline (past its
    // budget, as a second site was) boxes every number passed to it.
    const otherQuantity = d[r + CandidateTable.QUANTITY];
    const otherPerUnit = d[r + CandidateTable.PER_UNIT];
    const otherTemperature = d[r + CandidateTable.TEMPERATURE];
    const ceiling = pairCeilingOf(
      heatCeiling,
      isSupply ? quantity : otherQuantity,
      isSupply ? perUnit : otherPerUnit,
      isSupply ? self.temperature : otherTemperature,
      isSupply ? otherQuantity : quantity,
      isSupply ? otherPerUnit : perUnit,
      isSupply ? otherTemperature : self.temperature,
      isSupply ? d[r + CandidateTable.BELGIUM] === 1 : self.belgium,
    );
    if (ceiling === -Infinity && !stored) {
      skipped++;
      continue;
    }
    const floor = d[r + CandidateTable.FLOORS_K] === k ? d[r + CandidateTable.KTH_BEST] : -Infinity;
    if (floor === -Infinity || stored) {
      if (
        !stored &&
        ceilingAt(ceiling, self, quantity, d, r, lossPerKm, deductionPerKm, heatCeiling, isSupply) ===
          -Infinity
      ) {
        skipped++; // nothing above 0 is left over that distance: the engine rejects it
        continue;
      }
      score(i, -1);
      continue;
    }
    if (
      ceiling >= floor &&
      ceilingAt(ceiling, self, quantity, d, r, lossPerKm, deductionPerKm, heatCeiling, isSupply) >= floor
    ) {
      if (
        routePerKm > 0 &&
        ranksAfterBoth(
          stream,
          isSupply,
          self,
          quantity,
          d,
          r,
          routePerKm,
          own,
          d[r + CandidateTable.KTH_BEST],
          d[r + CandidateTable.KTH_ENERGY],
          d[r + CandidateTable.KTH_ROUTE],
          factors,
        )
      ) {
        skipped++;
        continue;
      }
      score(i, r);
    } else {
      later.push(i);
      laterCeilings.push(ceiling);
    }
  }
  // The rest can only enter the stream's own list. Their ceilings, tightened by the distance, are
  // worked out once; the 2K highest are scored first, so the stream's K-th best is close to final when
  // the others are tested against it (in the order of the grid, a heat stream scored a thousand
  // candidates more, for 50 kept).
  const tightened = new Float64Array(later.length);
  for (let j = 0; j < later.length; j++) {
    tightened[j] = ceilingAt(
      laterCeilings[j],
      self,
      quantity,
      d,
      later[j] * n,
      lossPerKm,
      deductionPerKm,
      heatCeiling,
      isSupply,
    );
  }
  let first = -Infinity;
  if (later.length > 2 * k) first = mthLargestOf(tightened, 2 * k);
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < later.length; j++) {
      if (tightened[j] >= first !== (pass === 0)) continue;
      if (tightened[j] === -Infinity || tightened[j] < own.floor) skipped++;
      // (Its counterpart's K-th best already outranks it: an Infinity score ranks before any pair.)
      else if (
        routePerKm > 0 &&
        ranksAfterBoth(
          stream,
          isSupply,
          self,
          quantity,
          d,
          later[j] * n,
          routePerKm,
          own,
          Infinity,
          0,
          0,
          factors,
        )
      )
        skipped++;
      else score(later[j], -2);
    }
  }
  // A pair that ranks after the stream's final K-th best and after its counterpart's K-th best enters
  // neither list: left out, as if it had been skipped (a CO2 or hydrogen stream that is the smaller
  // side ties on its ceiling with thousands of candidates, and they all qualify).
  let kept = 0;
  for (let i = 0, f = 0; i < out.length; i++, f += 3) {
    const p = out[i];
    if (
      !own.ranksAfterKth(p.score, p.energy, p.routeKm) ||
      !ranksAfter(p.score, p.energy, p.routeKm, outFloors[f], outFloors[f + 1], outFloors[f + 2])
    ) {
      out[kept++] = p;
    }
  }
  out.length = kept;
  return { pairs: out, skipped };
}

/** The table's candidates with their facts worked out under `factors` (same floors). */
function withFactors(table: CandidateTable, factors: FactorSet): CandidateTable {
  const out = new CandidateTable(Math.max(table.length, 1));
  for (let i = 0; i < table.length; i++) {
    const r = i * CandidateTable.STRIDE;
    const s = table.streams[i];
    out.add(
      s,
      ceilingFactsOf(s, factors),
      table.data[r + CandidateTable.COMPANY],
      table.data[r + CandidateTable.FLOORS_K],
      table.data[r + CandidateTable.KTH_BEST],
      table.data[r + CandidateTable.KTH_ENERGY],
      table.data[r + CandidateTable.KTH_ROUTE],
    );
  }
  return out;
}

const FIGURES = new DistanceFreeFigures();

/**
 * CO2, hydrogen: true when the pair of `stream` and the candidate in row offset `r` of `d` ranks after
 * (kthBest, kthEnergy, kthRoute) and after `own`'s K-th best (see ranksAfter), judged by its score and
 * energy (distanceFreeScoreInto from the exchanged quantity, the smaller annual one as the engine takes
 * it, and the two score classes) and a lower bound of its route (the chord, a hair short for rounding,
 * times `routePerKm`), or when the engine rejects it whatever its sites: it can enter neither list
 * (`own`'s K-th best only gets better as the job goes on).
 */
function ranksAfterBoth(
  stream: MatchableStream,
  isSupply: boolean,
  self: CeilingFacts,
  quantity: number,
  d: Float64Array,
  r: number,
  routePerKm: number,
  own: TopRanks,
  kthBest: number,
  kthEnergy: number,
  kthRoute: number,
  factors: FactorSet,
): boolean {
  const other = d[r + CandidateTable.QUANTITY];
  const q = isSupply ? (quantity < other ? quantity : other) : other < quantity ? other : quantity;
  const facts = SCORE_CLASS_FACTS[d[r + CandidateTable.SCORE_CLASS]];
  if (facts === undefined) return false;
  const f = FIGURES;
  if (!distanceFreeScoreInto(f, isSupply ? stream : facts, isSupply ? facts : stream, q, factors))
    return true;
  const routeFloor = (chordTo(self, d, r) * (1 - 1e-9) - 1e-9) * routePerKm;
  return (
    ranksAfter(f.net, f.energySaved, routeFloor, kthBest, kthEnergy, kthRoute) &&
    own.ranksAfterKth(f.net, f.energySaved, routeFloor)
  );
}

/**
 * A pair's score ceiling tightened by its distance (distanceCeiling: heat's loss on the way, water's
 * pumping and materials' freight per km; unchanged for CO2 and hydrogen), for the candidate in row
 * offset `r` of `d`; the chord bounds the distance from below without trigonometry.
 */
function ceilingAt(
  ceiling: number,
  a: CeilingFacts,
  quantity: number,
  d: Float64Array,
  r: number,
  lossPerKm: number,
  deductionPerKm: number,
  heat: HeatPairCeiling | null,
  isSupply: boolean,
): number {
  if (lossPerKm === 0 && deductionPerKm === 0) return ceiling;
  const other = d[r + CandidateTable.QUANTITY];
  const smaller = quantity < other ? quantity : other;
  // Heat: its deduction is the supplier's pumping, which depends on the pair's temperatures.
  const t = d[r + CandidateTable.TEMPERATURE];
  const perKm =
    heat === null
      ? deductionPerKm
      : heatPumpingPerUnitKm(
          heat,
          isSupply ? a.temperature : t,
          isSupply ? t : a.temperature,
          isSupply ? a.belgium : d[r + CandidateTable.BELGIUM] === 1,
        );
  return distanceCeiling(ceiling, lossPerKm, perKm, smaller, chordTo(a, d, r));
}

/** The chord (km) from the stream to the candidate in row offset `r` of `d`: a lower bound of their distance. */
function chordTo(a: CeilingFacts, d: Float64Array, r: number): number {
  return chordKm(a.x, a.y, a.z, d[r + CandidateTable.X], d[r + CandidateTable.Y], d[r + CandidateTable.Z]);
}

/**
 * Scores (stream, candidate) into the stream's running top K when the pair qualifies, and into `out`
 * unless it can enter neither list: it ranks after the counterpart's K-th best (score, energy, route)
 * and after the stream's K-th best so far (which only gets better).
 */
function scoreInto(
  out: ScoredPair[],
  outFloors: number[],
  own: TopRanks,
  stream: MatchableStream,
  candidate: MatchableStream,
  isSupply: boolean,
  factors: FactorSet,
  kthBest: number,
  kthEnergy: number,
  kthRoute: number,
): void {
  const b = BUFFER;
  const supply = isSupply ? stream : candidate;
  const demand = isSupply ? candidate : stream;
  if (!scorePairInto(b, supply, demand, factors)) return;
  const score = b.netCo2;
  const energy = b.energySaved;
  const route = b.routeKm;
  own.add(score, energy, route);
  if (
    ranksAfter(score, energy, route, kthBest, kthEnergy, kthRoute) &&
    own.ranksAfterKth(score, energy, route)
  )
    return;
  out.push(pairFromBuffer(b, supply, demand));
  outFloors.push(kthBest, kthEnergy, kthRoute);
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
