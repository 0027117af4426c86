import * as engine from '@symbiose/engine';
import { type HeatPairCeiling, ScoreBuffer } from '@symbiose/engine';
import KDBush from 'kdbush';
import { BoxQuery } from './box-query';
import { MatchableStream, ScoredPair } from './matching.types';
import { mthLargest } from './order-statistic';
import { ceilingFactsOf, scoreClassCode } from './pair-scoring';
import {
  AT_ENERGY,
  AT_EXCHANGED,
  AT_ROUTE,
  AT_SCORE,
  BYTE_FRESH,
  INT_DEMAND_CLASS,
  INT_SUPPLY_CLASS,
  PAIR_BYTES,
  PAIR_INTS,
  PAIR_NUMBERS,
  PairStore,
  storedPairsSlice,
  type StoredPairs,
} from './pair-store';
import { reachBox, streamReachKm } from './reach-box';

/**
 * The engine's functions and constants the candidate and scoring loops use, bound once. Imported by
 * name, every use first read them from the engine's index through the getter TypeScript's CommonJS
 * output puts on a re-export, which the optimising compiler does not fold into the loop: a generic
 * inline-cache call per use, several per candidate (Builtins_LoadIC, 6–8 % of a scoring thread's samples
 * in perf).
 */
const {
  arrivalLossPerKm,
  beyondReach,
  CANONICAL_UNIT,
  chordKm,
  counterpartPartitions,
  CURRENT_FACTOR_SET,
  deductionPerUnitKm,
  distanceCeiling,
  distanceFreeRoutePerKm,
  heatPairCeiling,
  heatPumpingPerUnitKm,
  pairCeilingOf,
  pairScoreCeiling,
  partitionOf,
  perUnitCeiling,
  scorePairInto,
} = engine;

export interface FullMatchResult {
  /** Pairs kept by the bounded-storage rule (top K of either side). */
  kept: ScoredPair[];
  /** How many of `kept` (its first ones) were handed to onFinalPairs during the run. */
  handedOver: number;
  /**
   * Scorings that qualified. Each side looks at its own candidates, so a pair both sides score counts
   * twice here and in `scored`.
   */
  qualifying: number;
  /** Candidate pairs scored, per side that scored them. */
  scored: number;
  /**
   * Candidate pairs a side left unscored: their score ceiling was below that side's K-th best by then,
   * or the engine rejects them for what the ceilings read (CO2 and hydrogen purity, heat temperatures).
   * A quantity tier left unscored as a whole counts all its streams of other companies, in reach or not.
   */
  skipped: number;
}

/** FullMatchResult with the kept pairs as slots of the run's PairStore (see scoreFromScratch). */
export interface StoredMatchResult extends Omit<FullMatchResult, 'kept'> {
  kept: StoredPairs;
}

/**
 * Receives kept pairs while the run goes on (a stream's top K is final once the stream is done), in
 * batches of at least `batch`, so a caller can write them while the rest is scored.
 */
export interface FinalPairsSink {
  readonly batch: number;
  take(pairs: readonly ScoredPair[]): void;
}

/** FinalPairsSink of scoreFromScratch: the kept pairs at positions from … to, read before it returns. */
export interface StoredPairsSink {
  readonly batch: number;
  take(kept: StoredPairs, from: number, to: number): void;
}

/**
 * True when the pair in slot `a` ranks before the one in slot `b` (see compareRank). A slot's supply and
 * demand are positions in the run's lists sorted by id, so positions compare as the ids do.
 */
function ranksBefore(store: PairStore, a: number, b: number): boolean {
  const n = store.numbers;
  const ai = a * PAIR_NUMBERS;
  const bi = b * PAIR_NUMBERS;
  const as = n[ai + AT_SCORE];
  const bs = n[bi + AT_SCORE];
  if (as !== bs) return as > bs;
  const ae = n[ai + AT_ENERGY];
  const be = n[bi + AT_ENERGY];
  if (ae !== be) return ae > be;
  const ar = n[ai + AT_ROUTE];
  const br = n[bi + AT_ROUTE];
  if (ar !== br) return ar < br;
  const as2 = store.supplyOf(a);
  const bs2 = store.supplyOf(b);
  if (as2 !== bs2) return as2 < bs2;
  return store.demandOf(a) < store.demandOf(b);
}

/** ranksBefore of the pair (supply, demand: positions) just scored into `s` and the one in slot `b`. */
function scoredRanksBefore(
  s: ScoreBuffer,
  supply: number,
  demand: number,
  store: PairStore,
  b: number,
): boolean {
  const n = store.numbers;
  const bi = b * PAIR_NUMBERS;
  const bs = n[bi + AT_SCORE];
  if (s.netCo2 !== bs) return s.netCo2 > bs;
  const be = n[bi + AT_ENERGY];
  if (s.energySaved !== be) return s.energySaved > be;
  const br = n[bi + AT_ROUTE];
  if (s.routeKm !== br) return s.routeKm < br;
  const bSupply = store.supplyOf(b);
  if (supply !== bSupply) return supply < bSupply;
  return demand < store.demandOf(b);
}

/** True when the pair in slot `a` ranks after the one in slot `b` (is worse). */
function worse(store: PairStore, a: number, b: number): boolean {
  return ranksBefore(store, b, a);
}

/** A growing list of slots. */
class SlotList {
  slots = new Int32Array(4096);
  length = 0;

  push(slot: number): void {
    if (this.length === this.slots.length) {
      const grown = new Int32Array(this.slots.length * 2);
      grown.set(this.slots);
      this.slots = grown;
    }
    this.slots[this.length++] = slot;
  }

  pop(): number {
    return this.length > 0 ? this.slots[--this.length] : -1;
  }
}

/**
 * The k best pairs seen so far (slots of the run's store) as a binary heap with the worst on top, so
 * `admits` is one comparison and an insert into a full buffer costs log k. The scores sit in a typed
 * array beside the heap: the sift compares them without reading the store, and only a tie asks it for
 * the rest of the order.
 */
class TopK {
  /** heap[0 … size) are held. */
  private readonly heap: Int32Array;
  private size = 0;
  /** Scores beside the heap; scores[0] is the worst held (the floor) once full. */
  readonly scores: Float64Array;
  constructor(
    private readonly k: number,
    private readonly store: PairStore,
  ) {
    this.scores = new Float64Array(k);
    this.heap = new Int32Array(k);
  }

  /** Whether the pair in slot `p` would enter. */
  admits(p: number): boolean {
    if (this.size < this.k) return true;
    const score = this.store.numbers[p * PAIR_NUMBERS + AT_SCORE];
    const worst = this.scores[0];
    if (score !== worst) return score > worst;
    return ranksBefore(this.store, p, this.heap[0]);
  }

  /** `admits` for the pair (supply, demand: positions) just scored into `s`. */
  admitsScored(s: ScoreBuffer, supply: number, demand: number): boolean {
    if (this.size < this.k) return true;
    const worst = this.scores[0];
    if (s.netCo2 !== worst) return s.netCo2 > worst;
    return scoredRanksBefore(s, supply, demand, this.store, this.heap[0]);
  }

  /** Call only after `admits` (or `admitsScored`) said yes. Returns the slot it evicted, or -1. */
  insert(p: number): number {
    const h = this.heap;
    const sc = this.scores;
    const store = this.store;
    const s = store.numbers[p * PAIR_NUMBERS + AT_SCORE];
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        const ps = sc[parent];
        if (!(s < ps || (s === ps && worse(store, p, h[parent])))) break;
        h[i] = h[parent];
        sc[i] = ps;
        i = parent;
      }
      h[i] = p;
      sc[i] = s;
      return -1;
    }
    const evicted = h[0];
    const n = this.size;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (sc[r] < sc[l] || (sc[r] === sc[l] && worse(store, h[r], h[l])))) c = r;
      const cs = sc[c];
      if (!(cs < s || (cs === s && worse(store, h[c], p)))) break;
      h[i] = h[c];
      sc[i] = cs;
      i = c;
    }
    h[i] = p;
    sc[i] = s;
    return evicted;
  }

  /** The worst slot held (the floor's, once full). */
  get worst(): number {
    return this.heap[0];
  }

  /**
   * True once k pairs are held: scores[0] is then the floor. (No getter returning the floor: a call the
   * compiler does not inline returns a number boxed, one allocation per candidate.)
   */
  get full(): boolean {
    return this.size >= this.k;
  }

  /** How many pairs are held; at(0 … count) are they, in heap order (unsorted). */
  get count(): number {
    return this.size;
  }

  at(i: number): number {
    return this.heap[i];
  }

  clear(): void {
    this.size = 0;
  }
}

const byId = (a: MatchableStream, b: MatchableStream) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
/** Longest stretch of scoring without letting other work of the process run. */
const YIELD_EVERY_MS = 10;

/**
 * One candidate partition of one direction, with what the candidate loop reads per stream in flat
 * arrays (by position in the index's order, see partitionOfStreams): company as a number, quantity,
 * per-unit score ceiling, position and (CO2, hydrogen) purity.
 */
interface Partition {
  streams: MatchableStream[];
  index: KDBush;
  /** Each stream's position in its side's sorted list (the argument of partitionsOf). */
  ordinal: Int32Array;
  company: Int32Array;
  /** The score class as a number (scoreClassCode). */
  scoreClass: Int32Array;
  quantity: Float64Array;
  ceiling: Float64Array;
  /** CO2 and hydrogen: the purity the stream offers or needs (NaN otherwise, and never skips). */
  purity: Float64Array;
  /** Heat: the temperature (°C; NaN when not a number) and whether the site is in Belgium (its grid). */
  temperature: Float64Array;
  belgium: Uint8Array;
  /** Position on the unit sphere, for a cheap lower bound on a pair's distance (chordKm). */
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  /** The largest quantity and per-unit score ceiling in the tier (see quantityTiers). */
  maxQuantity: number;
  maxCeiling: number;
  /** How many of the tier's streams each company has (company code → count), for othersIn. */
  byCompany: Map<number, number>;
}

/**
 * Share of a partition's streams in each quantity tier, largest quantities first (the rest form the
 * last tier); a partition smaller than TIERED_FROM streams is one tier.
 */
const TIER_SHARES = [0.02, 0.04, 0.08, 0.16, 0.3];
const TIERED_FROM = 512;

/**
 * A quantity tier of at least CEILING_GROUPS_FROM streams is split by per-unit score ceiling when it
 * has at most MAX_CEILING_GROUPS distinct ones (a heat demand's is its boiler's: gas, or the Belgian or
 * Dutch grid; a CO2 demand's is its source's), so a stream whose own quantity is below most of the
 * tier's, for which every quantity tier has the same bound, still finds the groups it cannot pair
 * above its K-th best with bounded as a whole. In the bench region heat alone went from 13.5 to
 * 11.4–12.1 s and the other categories from 10.0 to 8.8 s, the kept pairs the same (a full re-match:
 * scoring 25.1 → 23.5 s, one run each).
 */
const CEILING_GROUPS_FROM = 256;
const MAX_CEILING_GROUPS = 6;

/** The streams at `tier` (positions in `streams`) by per-unit ceiling, or as one group (see above). */
function ceilingGroups(streams: readonly MatchableStream[], tier: number[]): number[][] {
  if (tier.length < CEILING_GROUPS_FROM) return [tier];
  const byCeiling = new Map<number, number[]>();
  for (const i of tier) {
    const ceiling = perUnitCeiling(streams[i]);
    const group = byCeiling.get(ceiling);
    if (group) group.push(i);
    else if (byCeiling.size === MAX_CEILING_GROUPS) return [tier];
    else byCeiling.set(ceiling, [i]);
  }
  return [...byCeiling.values()];
}

/** Sizes of the quantity tiers of a partition of n streams (see TIER_SHARES). */
function tierSizes(n: number): number[] {
  if (n < TIERED_FROM) return [n];
  const sizes = TIER_SHARES.map((share) => Math.max(1, Math.floor(n * share)));
  sizes.push(n - sizes.reduce((a, b) => a + b, 0));
  return sizes;
}

/**
 * The streams by candidate partition, each partition split into quantity tiers (largest quantities
 * first) with an index and flat arrays of its own. A pair's score ceiling grows with the smaller of the
 * two quantities and per-unit ceilings (pairScoreCeiling), so a tier's largest quantity and ceiling
 * bound every pair with it: once a stream holds K pairs, a tier whose bound is below the K-th best is
 * left unscored as a whole, without computing each candidate's ceiling (at 100,000 streams most heat
 * and CO2 candidates are far below their streams' K-th best for their quantities alone). A large
 * tier is split further by per-unit ceiling (ceilingGroups).
 */
function partitionsOf(streams: readonly MatchableStream[], codes: StreamCodes) {
  const byKey = new Map<string, number[]>();
  streams.forEach((s, i) => {
    const key = partitionOf(s);
    const at = byKey.get(key);
    if (at) at.push(i);
    else byKey.set(key, [i]);
  });
  const partitions = new Map<string, Partition[]>();
  for (const [key, all] of byKey) {
    // Largest quantity first; ties by position, so the tiers do not depend on anything but the streams.
    all.sort((a, b) => streams[b].annualQuantity - streams[a].annualQuantity || a - b);
    const tiers: Partition[] = [];
    let from = 0;
    for (const size of tierSizes(all.length)) {
      for (const group of ceilingGroups(streams, all.slice(from, from + size))) {
        tiers.push(partitionOfStreams(streams, group, codes));
      }
      from += size;
    }
    partitions.set(key, tiers);
  }
  return partitions;
}

/** A stream's company and score class as small numbers, the same for every stream of a run. */
interface StreamCodes {
  company(s: MatchableStream): number;
  scoreClass(s: MatchableStream): number;
}

/**
 * One tier: the streams at `ordinals` (positions in `streams`) with their index and flat arrays. The
 * streams and arrays are in the index's own order (a stream's number in the partition is its position
 * there, what a BoxQuery finds): the streams of one box are then a few runs of neighbours in every
 * array, where in the tier's order (by quantity) each was a cache miss of its own (heat alone in the
 * bench region: 14.3–15.0 → 13.2–13.7 s, the kept pairs the same).
 */
function partitionOfStreams(
  streams: readonly MatchableStream[],
  tierOrdinals: number[],
  codes: StreamCodes,
): Partition {
  const n = tierOrdinals.length;
  const index = new KDBush(n);
  for (const i of tierOrdinals) index.add(streams[i].site.longitude, streams[i].site.latitude);
  index.finish();
  const ordinals = Array.from(index.ids, (id) => tierOrdinals[id]);
  const list = ordinals.map((i) => streams[i]);
  const p: Partition = {
    streams: list,
    index,
    ordinal: Int32Array.from(ordinals),
    company: new Int32Array(n),
    scoreClass: new Int32Array(n),
    quantity: new Float64Array(n),
    ceiling: new Float64Array(n),
    purity: new Float64Array(n),
    temperature: new Float64Array(n),
    belgium: new Uint8Array(n),
    x: new Float64Array(n),
    y: new Float64Array(n),
    z: new Float64Array(n),
    maxQuantity: -Infinity,
    maxCeiling: -Infinity,
    byCompany: new Map(),
  };
  list.forEach((s, i) => {
    const f = ceilingFactsOf(s);
    p.company[i] = codes.company(s);
    p.byCompany.set(p.company[i], (p.byCompany.get(p.company[i]) ?? 0) + 1);
    p.scoreClass[i] = codes.scoreClass(s);
    p.quantity[i] = s.annualQuantity;
    p.ceiling[i] = f.perUnit;
    p.purity[i] = f.purity;
    p.temperature[i] = f.temperature;
    p.belgium[i] = f.belgium ? 1 : 0;
    p.x[i] = f.x;
    p.y[i] = f.y;
    p.z[i] = f.z;
    // NaN poisons the bound (NaN never lets a tier be skipped).
    p.maxQuantity =
      s.annualQuantity > p.maxQuantity || Number.isNaN(s.annualQuantity) ? s.annualQuantity : p.maxQuantity;
    p.maxCeiling = f.perUnit > p.maxCeiling || Number.isNaN(f.perUnit) ? f.perUnit : p.maxCeiling;
  });
  return p;
}

interface Seeds {
  seedStart: Int32Array;
  /** Kept slots of the supply pass, grouped by demand. */
  seedSlots: Int32Array;
}

/**
 * The supply pass's kept pairs grouped by demand (positions in the demands): a demand's pairs are
 * seedSlots[seedStart[i] … seedStart[i + 1]).
 */
function seedsByDemand(kept: SlotList, store: PairStore, demandCount: number): Seeds {
  const seedStart = new Int32Array(demandCount + 1);
  for (let j = 0; j < kept.length; j++) seedStart[store.demandOf(kept.slots[j]) + 1]++;
  for (let d = 0; d < demandCount; d++) seedStart[d + 1] += seedStart[d];
  const next = seedStart.slice(0, demandCount);
  const seedSlots = new Int32Array(kept.length);
  for (let j = 0; j < kept.length; j++) {
    const slot = kept.slots[j];
    seedSlots[next[store.demandOf(slot)]++] = slot;
  }
  return { seedStart, seedSlots };
}

/** One stream's candidates while it is matched: partition, id in it and score ceiling (grown as needed). */
class CandidateScratch {
  n = 0;
  /** Never emptied (overwritten from 0 by the next stream): emptying it gave its store up every time. */
  partition: Partition[] = [];
  id = new Int32Array(1024);
  ceiling = new Float64Array(1024);
  /**
   * The ceilings mthLargestCeiling may still need: select[0 … selected) holds every one of
   * ceiling[0 … seen) at or above `threshold` (its last answer), the m-th largest among them.
   */
  select = new Float64Array(1024);
  private selected = 0;
  private seen = 0;
  private threshold = -Infinity;
  /** The candidates put off to the second pass. */
  later = new Int32Array(1024);

  /** Empties the candidates (the next stream's or round's). */
  clear(): void {
    this.n = 0;
    this.selected = 0;
    this.seen = 0;
    this.threshold = -Infinity;
  }

  /**
   * The m-th largest ceiling of the candidates (m ≤ n), worked out over the candidates added since the
   * last call and those at or above its answer only: the answer never falls as candidates come in, so
   * the others can never be among the m largest again. (Taken over all of them after each tier, heat's
   * first rounds went through 66 million ceilings.) A NaN ceiling, which has no place in the order,
   * sends it back over all of them as before.
   */
  mthLargestCeiling(m: number): number {
    const n = this.n;
    const ceiling = this.ceiling;
    const select = this.select;
    if (this.selected >= 0) {
      let k = this.selected;
      const floor = this.threshold;
      let nan = false;
      for (let i = this.seen; i < n; i++) {
        const c = ceiling[i];
        if (c >= floor) select[k++] = c;
        else if (c !== c) nan = true;
      }
      if (!nan) {
        const answer = mthLargest(select, k, m);
        let kept = 0;
        for (let i = 0; i < k; i++) if (select[i] >= answer) select[kept++] = select[i];
        this.selected = kept;
        this.seen = n;
        this.threshold = answer;
        return answer;
      }
      // Every later call of this round goes over all of them too.
      this.selected = -1;
    }
    select.set(ceiling.subarray(0, n));
    return mthLargest(select, n, m);
  }

  grow(): void {
    const size = this.id.length * 2;
    const id = new Int32Array(size);
    id.set(this.id);
    this.id = id;
    const ceiling = new Float64Array(size);
    ceiling.set(this.ceiling);
    this.ceiling = ceiling;
    const select = new Float64Array(size);
    select.set(this.select);
    this.select = select;
    this.later = new Int32Array(size);
  }
}

/** How many of a tier's streams belong to another company than `company`. */
function othersIn(p: Partition, company: number): number {
  return p.streams.length - (p.byCompany.get(company) ?? 0);
}

/**
 * Adds the candidates among one partition's `found` streams to `into` with their score ceilings and
 * returns how many it turned away unscored: same company, already scored by the supply whose top K
 * seeded this demand (`seededBy` ≥ 0: the demand's ordinal), less pure than the demand needs (the
 * engine rejects those, see purityPctOf), rejected for their temperatures (heat), or with a ceiling
 * below `floor` (the stream's K-th best so far, -Infinity until it holds K). Its own function,
 * so the compiler inlines the ceiling arithmetic into this loop instead of calling it with boxed numbers.
 */
function collectCandidates(
  into: CandidateScratch,
  p: Partition,
  foundIds: Int32Array,
  found: number,
  isSupply: boolean,
  company: number,
  seededBy: number,
  seeded: Int32Array,
  heat: HeatPairCeiling | null,
  belgium: boolean,
  own: Float64Array,
): number {
  const quantity = own[OWN_QUANTITY];
  const perUnit = own[OWN_PER_UNIT];
  const purity = own[OWN_PURITY];
  const temperature = own[OWN_TEMPERATURE];
  const x = own[OWN_X];
  const y = own[OWN_Y];
  const z = own[OWN_Z];
  const lossPerKm = own[OWN_LOSS_PER_KM];
  const deductionPerKm = own[OWN_DEDUCTION_PER_KM];
  const reachKm = own[OWN_REACH_KM];
  const floor = own[OWN_FLOOR];
  let skipped = 0;
  // Heat, water and materials lose with the distance: the ceiling is tightened by the chord (a lower
  // bound of the distance), so the candidates scored first are the near ones that can score high.
  const byDistance = lossPerKm > 0 || deductionPerKm > 0;
  for (let f = 0; f < found; f++) {
    const id = foundIds[f];
    if (p.company[id] === company) continue;
    if (seededBy >= 0 && seeded[p.ordinal[id]] === seededBy) {
      skipped++;
      continue;
    }
    if (isSupply ? purity < p.purity[id] : p.purity[id] < purity) {
      skipped++;
      continue;
    }
    // Heat: the temperatures decide whether a heat pump is needed (its electricity is deducted) or the
    // pair is rejected outright.
    // One call of each engine function, on the pair's supply and demand side: the compiler inlines a
    // call site only while its budget lasts, and a call it does not inline boxes every number passed.
    const otherQuantity = p.quantity[id];
    const otherTemperature = p.temperature[id];
    const otherBelgium = p.belgium[id] === 1;
    const supplyTemperature = isSupply ? temperature : otherTemperature;
    const demandTemperature = isSupply ? otherTemperature : temperature;
    const ceilingScore = pairCeilingOf(
      heat,
      isSupply ? quantity : otherQuantity,
      isSupply ? perUnit : p.ceiling[id],
      supplyTemperature,
      isSupply ? otherQuantity : quantity,
      isSupply ? p.ceiling[id] : perUnit,
      demandTemperature,
      isSupply ? otherBelgium : belgium,
    );
    if (ceilingScore === -Infinity) {
      skipped++;
      continue;
    }
    // The reach box's corners lie beyond the reach (a circle): the chord tells without scoring.
    const km = chordKm(x, y, z, p.x[id], p.y[id], p.z[id]);
    if (beyondReach(km, reachKm)) {
      skipped++;
      continue;
    }
    let ceiling = ceilingScore;
    if (byDistance) {
      const smaller = quantity < otherQuantity ? quantity : otherQuantity;
      // Heat: its deduction is the supplier's pumping, which depends on the pair's temperatures.
      const perKm =
        heat === null
          ? deductionPerKm
          : heatPumpingPerUnitKm(
              heat,
              supplyTemperature,
              demandTemperature,
              isSupply ? belgium : otherBelgium,
            );
      ceiling = distanceCeiling(ceilingScore, lossPerKm, perKm, smaller, km);
      if (ceiling === -Infinity) {
        skipped++;
        continue;
      }
    }
    // Below the stream's K-th best already: cannot enter.
    if (ceiling < floor) {
      skipped++;
      continue;
    }
    if (into.n === into.id.length) into.grow();
    const n = into.n++;
    into.partition[n] = p;
    into.id[n] = id;
    into.ceiling[n] = ceiling;
  }
  return skipped;
}

/**
 * The matched stream's numbers that collectCandidates and the scoring loop read, by position in one
 * Float64Array. Passed as numbers, each reached the compiled loop as a boxed value, and where the loop
 * chose between one of them and a candidate's number (the smaller quantity, say) it boxed the
 * candidate's too: 2.3 GB of short-lived heap numbers for heat alone in the bench region. Read from a
 * typed array they are plain doubles.
 */
const OWN_QUANTITY = 0;
const OWN_PER_UNIT = 1;
const OWN_PURITY = 2;
const OWN_TEMPERATURE = 3;
const OWN_X = 4;
const OWN_Y = 5;
const OWN_Z = 6;
const OWN_LOSS_PER_KM = 7;
const OWN_DEDUCTION_PER_KM = 8;
const OWN_REACH_KM = 9;
/** The stream's K-th best so far (-Infinity until it holds K). */
const OWN_FLOOR = 10;
const OWN_FACTS = 11;

/** Candidates a stream scores first (those with the highest ceilings), as a multiple of K. */
const FIRST_PASS_FACTOR = 2;

/**
 * From-scratch matching of a set of active streams with an in-memory spatial index (kdbush) per
 * candidate partition and direction (category, and material type or water quality: see the engine's
 * match.partition). The kept set is the union of every stream's own top K (the bounded-storage rule),
 * so each stream finds its top K on its own: supplies first, then demands, each against the
 * counterparts inside its reach box. A stream scores the 2K candidates with the highest score ceilings
 * first; once K pairs qualify, a candidate whose ceiling (heat: tightened by the temperatures; heat,
 * water and materials: by what they lose over the chord distance, distanceCeiling; heat also by its
 * pumping, heatPumpingPerUnitKm, which halves the heat pairs scored) is below the K-th best cannot
 * enter and is not scored. A demand's pairs that are in their supply's top K already are not kept
 * twice. Scoring goes into one reusable buffer and a pair takes a slot of the run's PairStore only when
 * it enters a top K (reused once evicted), so dense regions cost little garbage.
 */
export async function matchFromScratch(
  streams: readonly MatchableStream[],
  k: number,
  onProgress?: (done: number, total: number) => Promise<void> | void,
  onFinalPairs?: FinalPairsSink,
): Promise<FullMatchResult> {
  const result = await scoreFromScratch(
    streams,
    k,
    onProgress,
    onFinalPairs && {
      batch: onFinalPairs.batch,
      take: (kept, from, to) => onFinalPairs.take(storedPairsSlice(kept, from, to)),
    },
  );
  return { ...result, kept: storedPairsSlice(result.kept) };
}

/**
 * matchFromScratch with the kept pairs left in the run's PairStore (slots in the order they were
 * kept), for a caller that encodes them for writing straight from there (a scoring thread).
 */
export async function scoreFromScratch(
  streams: readonly MatchableStream[],
  k: number,
  onProgress?: (done: number, total: number) => Promise<void> | void,
  onFinalPairs?: StoredPairsSink,
): Promise<StoredMatchResult> {
  const active = streams.filter((s) => s.status === 'active');
  // In id order, so the kept pairs come out in (supply, demand)-ish order, which the new table's index
  // builds sort faster than random order (see MatchTableRebuild). The result does not depend on
  // the order: each stream's top K is exact under a total order.
  const supplies = active.filter((s) => s.direction === 'supply').sort(byId);
  const demands = active.filter((s) => s.direction === 'demand').sort(byId);
  const companyIds = new Map<string, number>();
  const companyOf = (s: MatchableStream) => {
    let n = companyIds.get(s.companyId);
    if (n === undefined) companyIds.set(s.companyId, (n = companyIds.size));
    return n;
  };
  const codes: StreamCodes = { company: companyOf, scoreClass: scoreClassCode };
  const supplyPartitions = partitionsOf(supplies, codes);
  const demandPartitions = partitionsOf(demands, codes);
  const buffer = new ScoreBuffer();
  // Slots in use at once: the kept pairs (each stream's K at most) and one stream's top K.
  const store = new PairStore(
    supplies.map((s) => s.id),
    demands.map((d) => d.id),
    k * (supplies.length + demands.length + 1),
  );
  const kept = new SlotList();
  // Slots evicted from a top K that no other holds: taken again before new ones.
  const free = new SlotList();
  let qualifying = 0;
  let scored = 0;
  let skipped = 0;
  const top = new TopK(k, store);
  // The supplies' top K by demand (filled after the supply pass): a demand's buffer starts with its
  // pairs from them, already scored, and its candidates among those supplies are not scored again.
  let seeds: Seeds = { seedStart: new Int32Array(demands.length + 1), seedSlots: new Int32Array(0) };
  // seeded[supply ordinal] = ordinal of the demand being matched when that supply's pair seeded it.
  const seeded = new Int32Array(supplies.length).fill(-1);
  const scratch = new CandidateScratch();
  const total = supplies.length + demands.length;
  const progressStep = Math.max(50, Math.min(2000, Math.ceil(total / 50)));
  let lastYield = performance.now();
  let handedOver = 0;
  let done = 0;
  const firstPass = Math.max(1, k * FIRST_PASS_FACTOR);
  const heatCeiling = heatPairCeiling(CURRENT_FACTOR_SET);
  // Positions in each tier's index order, the order of its arrays (see partitionOfStreams).
  const boxQuery = new BoxQuery();
  // A stream's candidate tiers (over its counterpart partitions) in the order they are looked at.
  const tierOrder: Partition[] = [];
  const tierBound: number[] = [];
  const own = new Float64Array(OWN_FACTS);

  for (const side of [supplies, demands]) {
    const isSupply = side === supplies;
    const counterparts = isSupply ? demandPartitions : supplyPartitions;
    if (!isSupply) seeds = seedsByDemand(kept, store, demands.length);
    const { seedStart, seedSlots } = seeds;
    for (let i = 0; i < side.length; i++) {
      const stream = side[i];
      if (!isSupply) {
        for (let j = seedStart[i]; j < seedStart[i + 1]; j++) {
          const slot = seedSlots[j];
          seeded[store.supplyOf(slot)] = i;
          if (top.admits(slot)) top.insert(slot);
        }
      }
      const box = reachBox(stream);
      const company = companyOf(stream);
      const ceilingFacts = ceilingFactsOf(stream);
      const belgium = ceilingFacts.belgium;
      own[OWN_QUANTITY] = stream.annualQuantity;
      own[OWN_PER_UNIT] = ceilingFacts.perUnit;
      own[OWN_PURITY] = ceilingFacts.purity;
      own[OWN_TEMPERATURE] = ceilingFacts.temperature;
      own[OWN_X] = ceilingFacts.x;
      own[OWN_Y] = ceilingFacts.y;
      own[OWN_Z] = ceilingFacts.z;
      own[OWN_LOSS_PER_KM] = arrivalLossPerKm(stream.category, CURRENT_FACTOR_SET);
      own[OWN_DEDUCTION_PER_KM] = deductionPerUnitKm(stream.category, CURRENT_FACTOR_SET);
      own[OWN_REACH_KM] = streamReachKm(stream);
      // Read back from `own`: plain doubles to the compiler (see OWN_QUANTITY).
      const quantity = own[OWN_QUANTITY];
      const perUnit = own[OWN_PER_UNIT];
      const x = own[OWN_X];
      const y = own[OWN_Y];
      const z = own[OWN_Z];
      const heat = stream.category === 'heat' ? heatCeiling : null;
      // CO2, hydrogen: a pair's score and energy depend on the two score classes and the exchanged
      // quantity alone, so a candidate that would tie with the K-th best on both ranks after it when its
      // route is longer, which the chord tells without scoring (the many demands that take a supply's
      // whole quantity, say, and rank by distance).
      const routePerKm = distanceFreeRoutePerKm(stream.category, CURRENT_FACTOR_SET);
      const ownClass = codes.scoreClass(stream);
      const categoryCode = store.categories.of(stream.category);
      const unitCode = store.units.of(CANONICAL_UNIT[stream.category]);
      // This stream's candidate tiers, the one with the highest bound first.
      let tierCount = 0;
      for (const key of counterpartPartitions(stream)) {
        const tiers = counterparts.get(key);
        if (!tiers) continue;
        for (const p of tiers) {
          // One call site, on the supply and demand sides (see collectCandidates).
          const raw = pairScoreCeiling(
            isSupply ? quantity : p.maxQuantity,
            isSupply ? perUnit : p.maxCeiling,
            isSupply ? p.maxQuantity : quantity,
            isSupply ? p.maxCeiling : perUnit,
          );
          // A per-unit ceiling ≤ 0 leaves nothing above 0 (NaN stays NaN: never skipped).
          const bound = raw > 0 || Number.isNaN(raw) ? raw : 0;
          let at = tierCount++;
          if (tierOrder.length < tierCount) tierOrder.push(p);
          while (at > 0 && !(tierBound[at - 1] >= bound)) {
            tierOrder[at] = tierOrder[at - 1];
            tierBound[at] = tierBound[at - 1];
            at--;
          }
          tierOrder[at] = p;
          tierBound[at] = bound;
        }
      }
      // Rounds of collecting and scoring. The first collects tiers until the next one's bound is below
      // the 2K-th best ceiling collected (the 2K best ceilings of all candidates are then in hand) and
      // scores those 2K first, as if every candidate had been collected; each later round takes one
      // tier, unless its bound is below the K-th best by then.
      let t = 0;
      for (let round = 0; t < tierCount; round++) {
        scratch.clear();
        let threshold = -Infinity;
        // The candidates `threshold` was taken over (-1: none yet).
        let thresholdOf = -1;
        while (t < tierCount) {
          const p = tierOrder[t];
          const bound = tierBound[t];
          if (round === 0 && scratch.n > firstPass) {
            if (thresholdOf !== scratch.n) {
              threshold = scratch.mthLargestCeiling(firstPass);
              thresholdOf = scratch.n;
            }
            if (bound < threshold) break;
          }
          t++;
          if (top.full && bound < top.scores[0]) {
            // No pair with this tier can enter: its streams are left unscored as a whole, without
            // looking up which of them are in reach (at 100,000 streams 45 % of what the box queries
            // found was in such tiers). Counted whole, in reach or not.
            skipped += othersIn(p, company);
            continue;
          }
          const found = boxQuery.run(p.index, box.minLon, box.minLat, box.maxLon, box.maxLat);
          own[OWN_FLOOR] = top.full ? top.scores[0] : -Infinity;
          skipped += collectCandidates(
            scratch,
            p,
            boxQuery.found,
            found,
            isSupply,
            company,
            isSupply ? -1 : i,
            seeded,
            heat,
            belgium,
            own,
          );
          if (round > 0) break;
        }
        const n = scratch.n;
        const candPartition = scratch.partition;
        const candId = scratch.id;
        const candCeiling = scratch.ceiling;
        const later = scratch.later;
        // The candidates with the highest ceilings first: their K-th best score lets the rest be skipped.
        // (Taken already in the first round if no candidate came in since.)
        if (n > firstPass && thresholdOf !== n) threshold = scratch.mthLargestCeiling(firstPass);
        let laterCount = 0;
        for (let pass = 0; pass < 2; pass++) {
          const count = pass === 0 ? n : laterCount;
          for (let j = 0; j < count; j++) {
            const c = pass === 0 ? j : later[j];
            const ceilingScore = candCeiling[c];
            if (pass === 0 && ceilingScore < threshold) {
              later[laterCount++] = c;
              continue;
            }
            const floor = top.full ? top.scores[0] : -Infinity;
            if (ceilingScore < floor) {
              skipped++;
              continue;
            }
            const p = candPartition[c];
            const id = candId[c];
            if (routePerKm > 0 && top.full) {
              const w = top.worst;
              const wAt = w * PAIR_NUMBERS;
              const wClass = w * PAIR_INTS + (isSupply ? INT_DEMAND_CLASS : INT_SUPPLY_CLASS);
              const other = p.quantity[id];
              // The exchanged quantity as the engine takes it (the smaller annual quantity).
              const q = isSupply
                ? quantity < other
                  ? quantity
                  : other
                : other < quantity
                  ? other
                  : quantity;
              if (q === store.numbers[wAt + AT_EXCHANGED] && p.scoreClass[id] === store.ints[wClass]) {
                // A lower bound of its route: the chord (a hair under the distance, see chordKm) times the
                // route per km, taken a hair short for rounding.
                const km = chordKm(x, y, z, p.x[id], p.y[id], p.z[id]);
                if ((km * (1 - 1e-9) - 1e-9) * routePerKm > store.numbers[wAt + AT_ROUTE]) {
                  skipped++;
                  continue;
                }
              }
            }
            const other = p.streams[id];
            const supply = isSupply ? stream : other;
            const demand = isSupply ? other : stream;
            scored++;
            if (!scorePairInto(buffer, supply, demand, CURRENT_FACTOR_SET)) continue;
            qualifying++;
            const b = buffer;
            const supplyAt = isSupply ? i : p.ordinal[id];
            const demandAt = isSupply ? p.ordinal[id] : i;
            if (!top.admitsScored(b, supplyAt, demandAt)) continue;
            let slot = free.pop();
            if (slot < 0) slot = store.add();
            store.fill(slot, b, supplyAt, demandAt, categoryCode, unitCode);
            // The run's own fields: made by the demand pass, and the two score classes.
            store.bytes[slot * PAIR_BYTES + BYTE_FRESH] = isSupply ? 0 : 1;
            store.ints[slot * PAIR_INTS + INT_SUPPLY_CLASS] = isSupply ? ownClass : p.scoreClass[id];
            store.ints[slot * PAIR_INTS + INT_DEMAND_CLASS] = isSupply ? p.scoreClass[id] : ownClass;
            const evicted = top.insert(slot);
            // Seeds are kept pairs: never reused.
            if (evicted >= 0 && (isSupply || store.bytes[evicted * PAIR_BYTES + BYTE_FRESH] === 1)) {
              free.push(evicted);
            }
          }
        }
      }
      for (let j = 0; j < top.count; j++) {
        const slot = top.at(j);
        // A demand's own pairs (not seeds) are in no supply's top K: kept for the demand's sake.
        if (isSupply || store.bytes[slot * PAIR_BYTES + BYTE_FRESH] === 1) kept.push(slot);
      }
      top.clear();
      // A stream's K best are final once it is done: handed over for writing while the rest is scored
      // (a demand's too, so the largest category's demand-side pairs are not all left for after its
      // scoring).
      if (onFinalPairs && kept.length - handedOver >= onFinalPairs.batch) {
        onFinalPairs.take({ store, slots: kept.slots, length: kept.length }, handedOver, kept.length);
        handedOver = kept.length;
      }
      done++;
      if (onProgress && (done % progressStep === 0 || done === total)) {
        await onProgress(done, total);
        lastYield = performance.now();
      } else if ((i & 15) === 15 && performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
    }
  }
  return { kept: { store, slots: kept.slots, length: kept.length }, handedOver, qualifying, scored, skipped };
}
