import { maskOfFlags, type ScoreBuffer } from '@symbiose/engine';
import type { ScoredPair } from './matching.types';
import type { RankKey } from './pair-ranking';
import type { RankedRows } from './rank-floors';
import { sharedFlags } from './pair-scoring';
import { writeUuid } from './pg-binary-arrays';

/** A slot's numbers in PairStore.numbers, PAIR_NUMBERS per slot. */
export const PAIR_NUMBERS = 7;
export const AT_SCORE = 0;
export const AT_ENERGY = 1;
export const AT_ROUTE = 2;
export const AT_DISTANCE = 3;
export const AT_EXCHANGED = 4;
export const AT_GROSS = 5;
export const AT_DEDUCTED = 6;

/**
 * A few strings (categories, transport modes) as small codes, each string once.
 */
class Codes {
  readonly values: string[] = [];
  private readonly byValue = new Map<string, number>();
  private lastValue: string | undefined;
  private lastCode = -1;

  of(value: string): number {
    if (value === this.lastValue) return this.lastCode;
    let code = this.byValue.get(value);
    if (code === undefined) {
      if (this.values.length === 255) throw new RangeError('more than 255 distinct values in a pair store');
      this.byValue.set(value, (code = this.values.length));
      this.values.push(value);
    }
    this.lastValue = value;
    this.lastCode = code;
    return code;
  }
}

/**
 * A run's pairs column by column in typed arrays, one slot per pair, its supply and demand as positions
 * in the store's id lists. Held as objects, the 1.7 million pairs a large category keeps were each
 * copied by the young-generation collector until promoted and then marked by every full collection:
 * in the bench region about a third of heat's scoring thread went to garbage collection, its own and
 * that of V8's helper threads. A slot is a few numbers in arrays the collector does not look into.
 */
export class PairStore {
  numbers: Float64Array;
  supply: Int32Array;
  demand: Int32Array;
  category: Uint8Array;
  unit: Uint8Array;
  mode: Uint8Array;
  flags: Uint16Array;
  readonly categories = new Codes();
  readonly units = new Codes();
  readonly modes = new Codes();
  private slots = 0;
  private supplyBytes: Uint8Array | null = null;
  private demandBytes: Uint8Array | null = null;

  /** `supplyIds` and `demandIds`: the ids a slot's supply and demand positions point into. */
  constructor(
    readonly supplyIds: readonly string[],
    readonly demandIds: readonly string[],
    capacity = 4096,
  ) {
    const n = Math.max(1, capacity);
    this.numbers = new Float64Array(PAIR_NUMBERS * n);
    this.supply = new Int32Array(n);
    this.demand = new Int32Array(n);
    this.category = new Uint8Array(n);
    this.unit = new Uint8Array(n);
    this.mode = new Uint8Array(n);
    this.flags = new Uint16Array(n);
  }

  /** A store of `pairs`, slot i holding pairs[i]. Throws on a flag that is not the engine's. */
  static of(pairs: readonly ScoredPair[]): PairStore {
    const supplyAt = new Map<string, number>();
    const demandAt = new Map<string, number>();
    const supplyIds: string[] = [];
    const demandIds: string[] = [];
    const positionOf = (at: Map<string, number>, ids: string[], id: string) => {
      let i = at.get(id);
      if (i === undefined) {
        at.set(id, (i = ids.length));
        ids.push(id);
      }
      return i;
    };
    const store = new PairStore(supplyIds, demandIds, pairs.length);
    let lastFlags: readonly string[] | null = null;
    let lastMask = 0;
    for (const p of pairs) {
      const slot = store.add();
      store.supply[slot] = positionOf(supplyAt, supplyIds, p.supplyId);
      store.demand[slot] = positionOf(demandAt, demandIds, p.demandId);
      store.category[slot] = store.categories.of(p.category);
      store.unit[slot] = store.units.of(p.exchangedUnit);
      store.mode[slot] = store.modes.of(p.mode);
      // Pairs often share one flags array (sharedFlags): its mask is worked out once.
      if (p.flags !== lastFlags) {
        lastMask = maskOfFlags(p.flags);
        lastFlags = p.flags;
      }
      store.flags[slot] = lastMask;
      const at = slot * PAIR_NUMBERS;
      const n = store.numbers;
      n[at + AT_SCORE] = p.score;
      n[at + AT_ENERGY] = p.energy;
      n[at + AT_ROUTE] = p.routeKm;
      n[at + AT_DISTANCE] = p.distanceKm;
      n[at + AT_EXCHANGED] = p.exchanged;
      n[at + AT_GROSS] = p.gross;
      n[at + AT_DEDUCTED] = p.deducted;
    }
    return store;
  }

  /** Slots taken so far (0 … size). */
  get size(): number {
    return this.slots;
  }

  /** A new slot, its fields to be filled by the caller. */
  add(): number {
    if (this.slots === this.supply.length) this.grow();
    return this.slots++;
  }

  /**
   * Slot `slot` := the pair just scored into `b`, between the supply and demand at those positions, of
   * the category and exchanged unit with those codes (categories.of, units.of).
   */
  fill(slot: number, b: ScoreBuffer, supply: number, demand: number, category: number, unit: number): void {
    this.supply[slot] = supply;
    this.demand[slot] = demand;
    this.category[slot] = category;
    this.unit[slot] = unit;
    this.mode[slot] = this.modes.of(b.mode);
    this.flags[slot] = b.flagsMask;
    const n = this.numbers;
    const at = slot * PAIR_NUMBERS;
    n[at + AT_SCORE] = b.netCo2;
    n[at + AT_ENERGY] = b.energySaved;
    n[at + AT_ROUTE] = b.routeKm;
    n[at + AT_DISTANCE] = b.distanceKm;
    n[at + AT_EXCHANGED] = b.exchanged;
    n[at + AT_GROSS] = b.grossCo2;
    n[at + AT_DEDUCTED] = b.deductedCo2;
  }

  score(slot: number): number {
    return this.numbers[slot * PAIR_NUMBERS + AT_SCORE];
  }

  supplyId(slot: number): string {
    return this.supplyIds[this.supply[slot]];
  }

  demandId(slot: number): string {
    return this.demandIds[this.demand[slot]];
  }

  rankKey(slot: number): RankKey {
    const at = slot * PAIR_NUMBERS;
    return {
      score: this.numbers[at + AT_SCORE],
      energy: this.numbers[at + AT_ENERGY],
      routeKm: this.numbers[at + AT_ROUTE],
      supplyId: this.supplyId(slot),
      demandId: this.demandId(slot),
    };
  }

  /** The pair in `slot` as a plain object. */
  pair(slot: number): ScoredPair {
    const n = this.numbers;
    const at = slot * PAIR_NUMBERS;
    return {
      supplyId: this.supplyId(slot),
      demandId: this.demandId(slot),
      category: this.categories.values[this.category[slot]],
      score: n[at + AT_SCORE],
      energy: n[at + AT_ENERGY],
      routeKm: n[at + AT_ROUTE],
      distanceKm: n[at + AT_DISTANCE],
      exchanged: n[at + AT_EXCHANGED],
      exchangedUnit: this.units.values[this.unit[slot]],
      mode: this.modes.values[this.mode[slot]],
      gross: n[at + AT_GROSS],
      deducted: n[at + AT_DEDUCTED],
      flags: sharedFlags(this.flags[slot]),
    };
  }

  /** The supplies' ids as 16 bytes each, by position (parsed once, on first use). */
  supplyIdBytes(): Uint8Array {
    return (this.supplyBytes ??= idBytes(this.supplyIds));
  }

  demandIdBytes(): Uint8Array {
    return (this.demandBytes ??= idBytes(this.demandIds));
  }

  private grow(): void {
    const size = this.supply.length * 2;
    const numbers = new Float64Array(PAIR_NUMBERS * size);
    numbers.set(this.numbers);
    this.numbers = numbers;
    this.supply = grown(this.supply, new Int32Array(size));
    this.demand = grown(this.demand, new Int32Array(size));
    this.category = grown(this.category, new Uint8Array(size));
    this.unit = grown(this.unit, new Uint8Array(size));
    this.mode = grown(this.mode, new Uint8Array(size));
    this.flags = grown(this.flags, new Uint16Array(size));
  }
}

function grown<T extends Int32Array | Uint8Array | Uint16Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function idBytes(ids: readonly string[]): Uint8Array {
  const bytes = Buffer.allocUnsafe(16 * ids.length);
  ids.forEach((id, i) => writeUuid(bytes, 16 * i, id));
  return bytes;
}

/** Slots of a store in the order they are to be written: its kept pairs, say. */
export interface StoredPairs {
  readonly store: PairStore;
  readonly slots: Int32Array;
  readonly length: number;
}

/** Every slot of `store`, in slot order. */
export function allSlots(store: PairStore): StoredPairs {
  const slots = new Int32Array(store.size);
  for (let i = 0; i < slots.length; i++) slots[i] = i;
  return { store, slots, length: slots.length };
}

/** RankedRows (categoryFloorsJson) of `kept` followed by `extra`. */
export function storedRankedRows(kept: StoredPairs, extra: readonly RankKey[]): RankedRows {
  const { store, slots, length } = kept;
  return {
    length: length + extra.length,
    score: (i) => (i < length ? store.score(slots[i]) : extra[i - length].score),
    supplyId: (i) => (i < length ? store.supplyId(slots[i]) : extra[i - length].supplyId),
    demandId: (i) => (i < length ? store.demandId(slots[i]) : extra[i - length].demandId),
    rankKey: (i) => (i < length ? store.rankKey(slots[i]) : extra[i - length]),
  };
}

/** The pairs at positions from … to of `pairs` as plain objects. */
export function storedPairsSlice(pairs: StoredPairs, from = 0, to = pairs.length): ScoredPair[] {
  const out: ScoredPair[] = [];
  for (let i = from; i < Math.min(to, pairs.length); i++) out.push(pairs.store.pair(pairs.slots[i]));
  return out;
}
