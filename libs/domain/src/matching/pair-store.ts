import { maskOfFlags, type ScoreBuffer } from '@symbiose/engine';
import type { ScoredPair } from './matching.types';
import type { RankKey } from './pair-ranking';
import type { RankedRows } from './rank-floors';
import { sharedFlags } from './pair-scoring';
import { writeUuid } from './pg-binary-arrays';

/**
 * A slot is one record of PAIR_BYTES bytes, read through views of different widths: its numbers are
 * PairStore.numbers[slot * PAIR_NUMBERS + AT_…], its integers ints[slot * PAIR_INTS + INT_…], its codes
 * bytes[slot * PAIR_BYTES + BYTE_…] and its flag mask shorts[slot * PAIR_SHORTS + SHORT_FLAGS]. One
 * record per pair, not one array per field: a pair written or compared touches one or two cache lines
 * instead of one per field (heat's inserts into its top-K lists were half cache misses with an array
 * per field).
 */
export const PAIR_BYTES = 80;
export const PAIR_NUMBERS = PAIR_BYTES / 8;
export const PAIR_INTS = PAIR_BYTES / 4;
export const PAIR_SHORTS = PAIR_BYTES / 2;
export const AT_SCORE = 0;
export const AT_ENERGY = 1;
export const AT_ROUTE = 2;
export const AT_DISTANCE = 3;
export const AT_EXCHANGED = 4;
export const AT_GROSS = 5;
export const AT_DEDUCTED = 6;
/** Bytes 56 … 71: the supply's and demand's positions, then their score classes (a run's own use). */
export const INT_SUPPLY = 14;
export const INT_DEMAND = 15;
export const INT_SUPPLY_CLASS = 16;
export const INT_DEMAND_CLASS = 17;
/** Bytes 72 … 73: the flag mask. */
export const SHORT_FLAGS = 36;
/** Bytes 74 … 77: category, unit and mode codes, and whether a run's demand pass made the pair. */
export const BYTE_CATEGORY = 74;
export const BYTE_UNIT = 75;
export const BYTE_MODE = 76;
export const BYTE_FRESH = 77;

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
 * A run's pairs as records of one buffer (see PAIR_BYTES), one slot per pair, its supply and demand as
 * positions in the store's id lists. Held as objects, the 1.7 million pairs a large category keeps were
 * each copied by the young-generation collector until promoted and then marked by every full
 * collection: in the bench region about a third of heat's scoring thread went to garbage collection,
 * its own and that of V8's helper threads. A slot is a few numbers the collector does not look into.
 */
export class PairStore {
  numbers!: Float64Array;
  ints!: Int32Array;
  shorts!: Uint16Array;
  bytes!: Uint8Array;
  readonly categories = new Codes();
  readonly units = new Codes();
  readonly modes = new Codes();
  private slots = 0;
  private capacity = 0;
  private supplyBytes: Uint8Array | null = null;
  private demandBytes: Uint8Array | null = null;

  /**
   * `supplyIds` and `demandIds`: the ids a slot's supply and demand positions point into. `capacity`:
   * slots to make room for at once (it grows past that by doubling, which copies).
   */
  constructor(
    readonly supplyIds: readonly string[],
    readonly demandIds: readonly string[],
    capacity = 4096,
  ) {
    this.resize(Math.max(1, capacity));
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
    const maskOf = flagMasks();
    for (const p of pairs) {
      const slot = store.add();
      const ints = slot * PAIR_INTS;
      store.ints[ints + INT_SUPPLY] = positionOf(supplyAt, supplyIds, p.supplyId);
      store.ints[ints + INT_DEMAND] = positionOf(demandAt, demandIds, p.demandId);
      const bytes = slot * PAIR_BYTES;
      store.bytes[bytes + BYTE_CATEGORY] = store.categories.of(p.category);
      store.bytes[bytes + BYTE_UNIT] = store.units.of(p.exchangedUnit);
      store.bytes[bytes + BYTE_MODE] = store.modes.of(p.mode);
      store.shorts[slot * PAIR_SHORTS + SHORT_FLAGS] = maskOf(p.flags);
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
    if (this.slots === this.capacity) this.resize(this.capacity * 2);
    return this.slots++;
  }

  /**
   * Slot `slot` := the pair just scored into `b`, between the supply and demand at those positions, of
   * the category and exchanged unit with those codes (categories.of, units.of).
   */
  fill(slot: number, b: ScoreBuffer, supply: number, demand: number, category: number, unit: number): void {
    const ints = this.ints;
    ints[slot * PAIR_INTS + INT_SUPPLY] = supply;
    ints[slot * PAIR_INTS + INT_DEMAND] = demand;
    const bytes = this.bytes;
    bytes[slot * PAIR_BYTES + BYTE_CATEGORY] = category;
    bytes[slot * PAIR_BYTES + BYTE_UNIT] = unit;
    bytes[slot * PAIR_BYTES + BYTE_MODE] = this.modes.of(b.mode);
    this.shorts[slot * PAIR_SHORTS + SHORT_FLAGS] = b.flagsMask;
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

  /** The slot's supply, as its position in supplyIds. */
  supplyOf(slot: number): number {
    return this.ints[slot * PAIR_INTS + INT_SUPPLY];
  }

  /** The slot's demand, as its position in demandIds. */
  demandOf(slot: number): number {
    return this.ints[slot * PAIR_INTS + INT_DEMAND];
  }

  supplyId(slot: number): string {
    return this.supplyIds[this.supplyOf(slot)];
  }

  demandId(slot: number): string {
    return this.demandIds[this.demandOf(slot)];
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
    const bytes = slot * PAIR_BYTES;
    return {
      supplyId: this.supplyId(slot),
      demandId: this.demandId(slot),
      category: this.categories.values[this.bytes[bytes + BYTE_CATEGORY]],
      score: n[at + AT_SCORE],
      energy: n[at + AT_ENERGY],
      routeKm: n[at + AT_ROUTE],
      distanceKm: n[at + AT_DISTANCE],
      exchanged: n[at + AT_EXCHANGED],
      exchangedUnit: this.units.values[this.bytes[bytes + BYTE_UNIT]],
      mode: this.modes.values[this.bytes[bytes + BYTE_MODE]],
      gross: n[at + AT_GROSS],
      deducted: n[at + AT_DEDUCTED],
      flags: sharedFlags(this.shorts[slot * PAIR_SHORTS + SHORT_FLAGS]),
    };
  }

  /** The supplies' ids as 16 bytes each, by position (parsed once, on first use). */
  supplyIdBytes(): Uint8Array {
    return (this.supplyBytes ??= idBytes(this.supplyIds));
  }

  demandIdBytes(): Uint8Array {
    return (this.demandBytes ??= idBytes(this.demandIds));
  }

  private resize(capacity: number): void {
    const buffer = new ArrayBuffer(capacity * PAIR_BYTES);
    const bytes = new Uint8Array(buffer);
    if (this.slots > 0) bytes.set(this.bytes.subarray(0, this.slots * PAIR_BYTES));
    this.bytes = bytes;
    this.numbers = new Float64Array(buffer);
    this.ints = new Int32Array(buffer);
    this.shorts = new Uint16Array(buffer);
    this.capacity = capacity;
  }
}

/**
 * maskOfFlags with the last answer at hand: a run's pairs share one flags array per mask
 * (sharedFlags), and rows come in runs of the same flags.
 */
export function flagMasks(): (flags: readonly string[]) => number {
  let last: readonly string[] | null = null;
  let lastMask = 0;
  return (flags) => {
    if (flags !== last) {
      lastMask = maskOfFlags(flags);
      last = flags;
    }
    return lastMask;
  };
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
    sides: {
      supplyIds: store.supplyIds,
      demandIds: store.demandIds,
      supplyAt: (i) => (i < length ? store.supplyOf(slots[i]) : -1),
      demandAt: (i) => (i < length ? store.demandOf(slots[i]) : -1),
    },
  };
}

/** The pairs at positions from … to of `pairs` as plain objects. */
export function storedPairsSlice(pairs: StoredPairs, from = 0, to = pairs.length): ScoredPair[] {
  const out: ScoredPair[] = [];
  for (let i = from; i < Math.min(to, pairs.length); i++) out.push(pairs.store.pair(pairs.slots[i]));
  return out;
}
