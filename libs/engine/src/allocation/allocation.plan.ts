import type { AllocationIndex } from './allocation.problem';
import type { AllocationItem, AllocationPlan, AllocationTotals } from './allocation.types';

/** Reported quantities are floored to this many decimals of the canonical unit (MWh, t, m3). */
export const QUANTITY_DECIMALS = 3;
/** Reported CO2 (t) and energy (MWh) are rounded to this many decimals. */
export const VALUE_DECIMALS = 6;
/** A stream is over-allocated when its use exceeds its quantity by more than this relative margin. */
export const STREAM_TOLERANCE = 1e-9;
/** Solver values within this relative distance of a pair's cap are snapped onto it. */
const SNAP = 1e-7;

const QUANTITY_FACTOR = 10 ** QUANTITY_DECIMALS;
const VALUE_FACTOR = 10 ** VALUE_DECIMALS;

export function roundValue(value: number): number {
  const rounded = Math.round(value * VALUE_FACTOR) / VALUE_FACTOR;
  return rounded === 0 ? 0 : rounded; // no -0
}

function floorQuantity(value: number): number {
  // The tiny nudge keeps 1.005·1000 = 1004.999… from losing a whole grid step.
  return Math.max(0, Math.floor(value * QUANTITY_FACTOR + 1e-6) / QUANTITY_FACTOR);
}

/** Rounds one raw quantity: clamp into [0, cap], snap onto the cap, floor to the grid, never above maxQuantity. */
function roundQuantity(raw: number, cap: number, maxQuantity: number): number {
  let x = Number.isFinite(raw) ? Math.min(Math.max(raw, 0), cap) : 0;
  if (x >= cap * (1 - SNAP)) x = cap;
  const q = x === maxQuantity ? maxQuantity : floorQuantity(x);
  return Math.min(q, maxQuantity);
}

/**
 * Lowers the pairs of every over-allocated stream until it fits, taking first from the pair with the
 * lowest co2PerUnit (ties: the larger pair id). Supplies first, then demands; lowering a demand's
 * pairs only frees supply, so the result is feasible for both.
 */
function repairStreams(index: AllocationIndex, q: Float64Array, side: 'supply' | 'demand'): void {
  const { pairs } = index;
  const streams = side === 'supply' ? index.supplies : index.demands;
  const of = side === 'supply' ? index.pairSupply : index.pairDemand;
  const perUnit = (p: number): number => (side === 'supply' ? pairs[p].supplyPerUnit : 1);

  const use = new Float64Array(streams.length);
  for (let p = 0; p < q.length; p++) if (q[p] > 0) use[of[p]] += perUnit(p) * q[p];
  const over = new Map<number, number[]>();
  for (let i = 0; i < streams.length; i++) {
    if (use[i] > streams[i].quantity * (1 + STREAM_TOLERANCE)) over.set(i, []);
  }
  if (over.size === 0) return;
  for (let p = 0; p < q.length; p++) if (q[p] > 0) over.get(of[p])?.push(p);

  for (const [i, members] of over) {
    members.sort((a, b) => pairs[a].co2PerUnit - pairs[b].co2PerUnit || b - a);
    const quantity = streams[i].quantity;
    for (let k = 0; k < members.length; k++) {
      let total = 0;
      for (const p of members) total += perUnit(p) * q[p];
      const excess = total - quantity;
      if (excess <= quantity * STREAM_TOLERANCE) break;
      const p = members[k];
      q[p] = floorQuantity(Math.max(0, q[p] - excess / perUnit(p)));
    }
  }
}

/**
 * Turns raw per-pair quantities (indexed like `index.pairs`) into a reported plan: rounded, never above
 * a pair's maxQuantity, no stream over-allocated, zero items dropped, items ordered by pair id.
 */
export function finalizePlan(index: AllocationIndex, raw: Float64Array): AllocationPlan {
  const { pairs, cap } = index;
  const q = new Float64Array(pairs.length);
  for (let p = 0; p < pairs.length; p++) q[p] = roundQuantity(raw[p], cap[p], pairs[p].maxQuantity);
  repairStreams(index, q, 'supply');
  repairStreams(index, q, 'demand');

  const items: AllocationItem[] = [];
  let co2 = 0;
  let energy = 0;
  for (let p = 0; p < pairs.length; p++) {
    if (!(q[p] > 0)) continue;
    const item: AllocationItem = {
      pairId: pairs[p].id,
      quantity: q[p],
      co2AvoidedTonnesPerYear: roundValue(q[p] * pairs[p].co2PerUnit),
      energySavedMWhPerYear: roundValue(q[p] * pairs[p].energyPerUnit),
    };
    co2 += item.co2AvoidedTonnesPerYear;
    energy += item.energySavedMWhPerYear;
    items.push(item);
  }
  return { items, totals: totals(energy, co2) };
}

export function totals(energy: number, co2: number): AllocationTotals {
  return { energySavedMWhPerYear: roundValue(energy), co2AvoidedTonnesPerYear: roundValue(co2) };
}
