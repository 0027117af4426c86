import { finalizePlan, totals } from './allocation.plan';
import { indexAllocation, validatePair, type AllocationIndex } from './allocation.problem';
import type { AllocationPair, AllocationPlan, AllocationStream, AllocationTotals } from './allocation.types';

/**
 * The greedy order over the given pairs of an index (ascending pair indices): the pair's net CO2
 * (co2PerUnit × maxQuantity, i.e. its pairwise estimate) descending, then its energy saved descending,
 * then pair id ascending (index pairs are sorted by id) — the ranking order of matches without the
 * route-length tie-break, which the allocation input does not carry.
 */
export function greedyOrder(pairs: readonly AllocationPair[], members: Int32Array): Int32Array {
  const n = pairs.length;
  const co2 = new Float64Array(n);
  const energy = new Float64Array(n);
  for (const p of members) {
    co2[p] = pairs[p].co2PerUnit * pairs[p].maxQuantity;
    energy[p] = pairs[p].energyPerUnit * pairs[p].maxQuantity;
  }
  return Int32Array.from(members).sort((a, b) => co2[b] - co2[a] || energy[b] - energy[a] || a - b);
}

/** Raw greedy quantities for the given pairs of an index (all of them when omitted). */
export function greedyQuantities(index: AllocationIndex, subset?: Int32Array): Float64Array {
  const { pairs, pairSupply, pairDemand, supplies, demands } = index;
  const x = new Float64Array(pairs.length);
  const members = subset ?? Int32Array.from(pairs.keys());
  const supplyLeft = Float64Array.from(supplies, (s) => s.quantity);
  const demandLeft = Float64Array.from(demands, (d) => d.quantity);
  for (const p of greedyOrder(pairs, members)) {
    const pair = pairs[p];
    const s = pairSupply[p];
    const d = pairDemand[p];
    const q = Math.min(pair.maxQuantity, supplyLeft[s] / pair.supplyPerUnit, demandLeft[d]);
    if (!(q > 0)) continue;
    x[p] = q;
    supplyLeft[s] = Math.max(0, supplyLeft[s] - pair.supplyPerUnit * q);
    demandLeft[d] = Math.max(0, demandLeft[d] - q);
  }
  return x;
}

/**
 * Greedy plan for comparison: best pair first (by the pair's net CO2, ties by energy then id), each
 * taking as much as its supply and demand still have. Feasible, but not optimal in general.
 */
export function greedyAllocation(
  pairs: readonly AllocationPair[],
  supplies: readonly AllocationStream[],
  demands: readonly AllocationStream[],
): AllocationPlan {
  const index = indexAllocation(pairs, supplies, demands);
  return finalizePlan(index, greedyQuantities(index));
}

/**
 * Sum of the pairwise estimates of the qualifying pairs (co2PerUnit > 0), ignoring that they overlap.
 * An upper bound on any plan; shown for comparison, never a region total.
 */
export function naiveTotals(pairs: readonly AllocationPair[]): AllocationTotals {
  let co2 = 0;
  let energy = 0;
  for (const pair of pairs) {
    if (!validatePair(pair)) continue;
    co2 += pair.co2PerUnit * pair.maxQuantity;
    energy += pair.energyPerUnit * pair.maxQuantity;
  }
  return totals(energy, co2);
}
