/**
 * The compact form in which an allocation problem goes to the solve thread and its result comes back.
 *
 * Structured-cloning millions of pair objects with uuid strings would itself block the main thread
 * for seconds, so the numbers travel as typed arrays (transferred, not copied) and ids stay behind:
 * streams become their positions, and pairs become their ranks in id order (zero-padded, so the
 * engine's code-unit sort of the stand-in ids is the sort of the real ones and every tie-break is
 * unchanged). Only input whose pair ids are not strictly ascending sends the real ids along.
 *
 * Imported by the thread: no framework, ORM or I/O imports here.
 */
import {
  type AllocationItem,
  type AllocationPair,
  type AllocationPlan,
  type AllocationResult,
  type AllocationSolverInfo,
  type AllocationStream,
  type AllocationTotals,
  indexStreams,
  pairSideIndex,
  type SolveAllocationOptions,
  validatePair,
} from '@symbiose/engine';
import { sliceTicker } from './allocation-slices.util';

/** Solver options that can cross to the thread (a loaded HiGHS runtime cannot; the thread loads its own). */
export type ThreadSolveOptions = Omit<SolveAllocationOptions, 'highs'>;

export interface EncodedAllocationInput {
  /** Per pair (input order): position of its supply in `supplyQuantity`, of its demand in `demandQuantity`. */
  pairSupply: Int32Array;
  pairDemand: Int32Array;
  maxQuantity: Float64Array;
  supplyPerUnit: Float64Array;
  co2PerUnit: Float64Array;
  energyPerUnit: Float64Array;
  supplyQuantity: Float64Array;
  demandQuantity: Float64Array;
  /** The pairs' ids, only when they are not strictly ascending (otherwise ranks stand in for them). */
  pairIds: string[] | null;
  options: ThreadSolveOptions;
}

export interface EncodedPlan {
  /** Per item, in plan order: the pair's position in the caller's input. */
  pair: Int32Array;
  quantity: Float64Array;
  co2: Float64Array;
  energy: Float64Array;
  totals: AllocationTotals;
}

export interface EncodedAllocationResult {
  plan: EncodedPlan;
  greedy: EncodedPlan;
  naive: { totals: AllocationTotals };
  solver: AllocationSolverInfo;
}

/** What the thread posts back: the result, or the error that stopped it. */
export type AllocationThreadReply =
  | { ok: true; result: EncodedAllocationResult }
  | { ok: false; name: string; message: string; stack?: string };

export function inputTransferables(input: EncodedAllocationInput): ArrayBuffer[] {
  return [
    input.pairSupply,
    input.pairDemand,
    input.maxQuantity,
    input.supplyPerUnit,
    input.co2PerUnit,
    input.energyPerUnit,
    input.supplyQuantity,
    input.demandQuantity,
  ].map((a) => a.buffer as ArrayBuffer);
}

export function resultTransferables(result: EncodedAllocationResult): ArrayBuffer[] {
  return [result.plan, result.greedy].flatMap((p) =>
    [p.pair, p.quantity, p.co2, p.energy].map((a) => a.buffer as ArrayBuffer),
  );
}

/**
 * Main thread: validates the input exactly as the engine does (same checks, order and messages, so
 * bad input fails before a thread is started and errors name the real ids) and packs it. Sliced.
 */
export async function encodeAllocationInput(
  pairs: readonly AllocationPair[],
  supplies: readonly AllocationStream[],
  demands: readonly AllocationStream[],
  options: ThreadSolveOptions,
): Promise<EncodedAllocationInput> {
  const supplyIndex = indexStreams(supplies, 'supply');
  const demandIndex = indexStreams(demands, 'demand');
  const n = pairs.length;
  const pairSupply = new Int32Array(n);
  const pairDemand = new Int32Array(n);
  const maxQuantity = new Float64Array(n);
  const supplyPerUnit = new Float64Array(n);
  const co2PerUnit = new Float64Array(n);
  const energyPerUnit = new Float64Array(n);
  let ascending = true;
  const tick = sliceTicker();
  for (let i = 0; i < n; i++) {
    const wait = tick(i);
    if (wait) await wait;
    const pair = pairs[i];
    validatePair(pair);
    const s = pairSideIndex(pair, 'supply', supplyIndex);
    const d = pairSideIndex(pair, 'demand', demandIndex);
    if (ascending && i > 0 && !(pairs[i - 1].id < pair.id)) ascending = false;
    pairSupply[i] = s;
    pairDemand[i] = d;
    maxQuantity[i] = pair.maxQuantity;
    supplyPerUnit[i] = pair.supplyPerUnit;
    co2PerUnit[i] = pair.co2PerUnit;
    energyPerUnit[i] = pair.energyPerUnit;
  }
  return {
    pairSupply,
    pairDemand,
    maxQuantity,
    supplyPerUnit,
    co2PerUnit,
    energyPerUnit,
    supplyQuantity: Float64Array.from(supplies, (s) => s.quantity),
    demandQuantity: Float64Array.from(demands, (d) => d.quantity),
    // Rare (loadAllocationInput reads in id order): the engine must sort by the real ids.
    pairIds: ascending ? null : pairs.map((p) => p.id),
    options,
  };
}

/** Thread: rebuilds the engine's input with stand-in ids, and how to map a plan item back to its pair. */
export function decodeAllocationInput(input: EncodedAllocationInput): {
  pairs: AllocationPair[];
  supplies: AllocationStream[];
  demands: AllocationStream[];
  positionOf: (pairId: string) => number;
} {
  const n = input.maxQuantity.length;
  const width = String(Math.max(0, n - 1)).length;
  const ids = input.pairIds;
  const supplies = Array.from(input.supplyQuantity, (quantity, i) => ({ id: `s${i}`, quantity }));
  const demands = Array.from(input.demandQuantity, (quantity, i) => ({ id: `d${i}`, quantity }));
  const pairs = new Array<AllocationPair>(n);
  for (let i = 0; i < n; i++) {
    pairs[i] = {
      id: ids ? ids[i] : String(i).padStart(width, '0'),
      supplyId: supplies[input.pairSupply[i]].id,
      demandId: demands[input.pairDemand[i]].id,
      maxQuantity: input.maxQuantity[i],
      supplyPerUnit: input.supplyPerUnit[i],
      co2PerUnit: input.co2PerUnit[i],
      energyPerUnit: input.energyPerUnit[i],
    };
  }
  let positionOf: (pairId: string) => number = (id) => Number(id);
  if (ids) {
    const position = new Map(ids.map((id, i) => [id, i]));
    positionOf = (id) => position.get(id) ?? -1;
  }
  return { pairs, supplies, demands, positionOf };
}

function encodePlan(plan: AllocationPlan, positionOf: (pairId: string) => number): EncodedPlan {
  const m = plan.items.length;
  const out: EncodedPlan = {
    pair: new Int32Array(m),
    quantity: new Float64Array(m),
    co2: new Float64Array(m),
    energy: new Float64Array(m),
    totals: plan.totals,
  };
  plan.items.forEach((item, k) => {
    out.pair[k] = positionOf(item.pairId);
    out.quantity[k] = item.quantity;
    out.co2[k] = item.co2AvoidedTonnesPerYear;
    out.energy[k] = item.energySavedMWhPerYear;
  });
  return out;
}

/** Thread: packs the engine's result. */
export function encodeAllocationResult(
  result: AllocationResult,
  positionOf: (pairId: string) => number,
): EncodedAllocationResult {
  return {
    plan: encodePlan(result.plan, positionOf),
    greedy: encodePlan(result.greedy, positionOf),
    naive: result.naive,
    solver: result.solver,
  };
}

async function decodePlan(encoded: EncodedPlan, pairs: readonly AllocationPair[]): Promise<AllocationPlan> {
  const m = encoded.pair.length;
  const items = new Array<AllocationItem>(m);
  const tick = sliceTicker();
  for (let k = 0; k < m; k++) {
    const wait = tick(k);
    if (wait) await wait;
    const pair = pairs[encoded.pair[k]];
    if (!pair) throw new Error(`allocation thread returned an item for unknown pair #${encoded.pair[k]}`);
    items[k] = {
      pairId: pair.id,
      quantity: encoded.quantity[k],
      co2AvoidedTonnesPerYear: encoded.co2[k],
      energySavedMWhPerYear: encoded.energy[k],
    };
  }
  return { items, totals: encoded.totals };
}

/** Main thread: the engine's result with the caller's ids. Sliced. */
export async function decodeAllocationResult(
  encoded: EncodedAllocationResult,
  pairs: readonly AllocationPair[],
): Promise<AllocationResult> {
  return {
    plan: await decodePlan(encoded.plan, pairs),
    greedy: await decodePlan(encoded.greedy, pairs),
    naive: encoded.naive,
    solver: encoded.solver,
  };
}
