import type { StreamFacts, TransportMode } from './domain.types';
import { type EngineConstants } from './engine.constants';
import type { ExplanationStep, RejectionReason } from './pair.types';

/**
 * Records the explanation while the math runs. The math calls `trace?.step(...)`: with no tracer the
 * optional call skips its arguments entirely, so the fast path builds no strings and the explained path
 * runs the very same arithmetic (scorePair and estimatePair cannot drift apart).
 */
export class Tracer {
  readonly steps: ExplanationStep[] = [];
  /** Factor indices in order of first use. */
  readonly factorOrder: number[] = [];
  private readonly seen: Uint8Array;
  detail = '';

  constructor(factorCount: number) {
    this.seen = new Uint8Array(factorCount);
  }

  step(label: string, formula: string, value: number, unit: string, note?: string): void {
    this.steps.push(
      note === undefined ? { label, formula, value, unit } : { label, formula, value, unit, note },
    );
  }

  use(index: number): void {
    if (this.seen[index] === 0) {
      this.seen[index] = 1;
      this.factorOrder.push(index);
    }
  }

  /** Adds to the rejection detail (several parts may explain one rejection). */
  why(text: string): void {
    this.detail = this.detail === '' ? text : `${this.detail}; ${text}`;
  }
}

/**
 * Mutable working state of one pair evaluation. The fast path reuses a single instance (no allocation
 * per pair); the explained path makes a fresh one with a tracer.
 */
export class PairContext {
  C!: EngineConstants;
  trace: Tracer | null = null;
  s!: StreamFacts;
  d!: StreamFacts;
  /** False when a delivered quantity is given (estimateForQuantity). */
  annual = true;
  quantity = 0;

  exchanged = 0;
  supplyUsed = 0;
  distanceKm = 0;
  routeKm = 0;
  mode: TransportMode = 'pipeline';
  energySaved = 0;
  gross = 0;
  deducted = 0;
  net = 0;
  flags = 0;
  low = 0;
  reason: RejectionReason | null = null;

  reset(
    C: EngineConstants,
    s: StreamFacts,
    d: StreamFacts,
    annual: boolean,
    quantity: number,
    trace: Tracer | null,
  ) {
    this.C = C;
    this.s = s;
    this.d = d;
    this.annual = annual;
    this.quantity = quantity;
    this.trace = trace;
    this.exchanged = 0;
    this.supplyUsed = 0;
    this.distanceKm = 0;
    this.routeKm = 0;
    this.mode = 'pipeline';
    this.energySaved = 0;
    this.gross = 0;
    this.deducted = 0;
    this.net = 0;
    this.flags = 0;
    this.low = 0;
    this.reason = null;
  }
}

/** Reads a factor and records that it was used (for the explanation and the low-confidence flag). */
export function fv(c: PairContext, index: number): number {
  c.low |= c.C.low[index];
  if (c.trace !== null) c.trace.use(index);
  return c.C.values[index];
}

export function reject(c: PairContext, reason: RejectionReason): false {
  c.reason = reason;
  return false;
}

export function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && x - x === 0;
}
