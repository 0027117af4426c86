/**
 * Region-wide allocation: which quantity should flow on each qualifying pair so that the region avoids
 * the most CO2 without any stream being used beyond its quantity. Pairwise estimates are potentials
 * and overlap (one supply matches many demands); the plan is what can actually happen at once.
 */

/** One qualifying supply × demand pair (a match), expressed per unit delivered. */
export interface AllocationPair {
  /** Match id. */
  id: string;
  supplyId: string;
  demandId: string;
  /**
   * The pairwise exchanged quantity in canonical units, as received by the demand:
   * min(supply, demand) less losses. Upper bound of the pair's variable.
   */
  maxQuantity: number;
  /** Units of supply consumed per unit delivered (≥ 1 in practice, e.g. 1 / (1 − lossFraction) for heat). */
  supplyPerUnit: number;
  /** Net t CO2 avoided per unit delivered (the pair's net CO2 / maxQuantity). Only pairs with > 0 qualify. */
  co2PerUnit: number;
  /** MWh saved per unit delivered. */
  energyPerUnit: number;
}

/** A supply or demand stream with its canonical annual quantity. */
export interface AllocationStream {
  id: string;
  quantity: number;
}

export interface AllocationTotals {
  energySavedMWhPerYear: number;
  co2AvoidedTonnesPerYear: number;
}

export interface AllocationItem {
  pairId: string;
  /** Quantity delivered on the pair, canonical units per year (what the demand receives). */
  quantity: number;
  co2AvoidedTonnesPerYear: number;
  energySavedMWhPerYear: number;
}

/** A feasible plan: items ordered by pair id, zero-quantity pairs omitted. */
export interface AllocationPlan {
  items: AllocationItem[];
  totals: AllocationTotals;
}

/**
 * `optimal` when every linear program (and every closed-form component) was solved to optimality;
 * otherwise the HiGHS model status name of the first component that was not (e.g. `timeLimit`), in
 * which case that component falls back to the greedy plan so the result stays feasible.
 */
export type AllocationSolverStatus = string;

export interface AllocationSolverInfo {
  name: 'HiGHS';
  status: AllocationSolverStatus;
  /** Optimal objective in t CO2/yr before quantities are rounded for reporting. */
  objective: number;
  /** Wall-clock milliseconds spent building and solving the linear programs. */
  solveMs: number;
  /** Columns passed to HiGHS (pairs in components that needed the solver). */
  variables: number;
  /** Rows passed to HiGHS (stream constraints that can bind). */
  constraints: number;
  /** Connected components of the supply/demand graph. */
  components: number;
  /** Linear programs handed to HiGHS (small components are batched). */
  lpSolves: number;
  /** Qualifying pairs after filtering (co2PerUnit > 0, quantities > 0). */
  qualifyingPairs: number;
}

export interface AllocationResult {
  plan: AllocationPlan;
  /** Best pair first (by the pair's net CO2), each taking what is left. For comparison. */
  greedy: AllocationPlan;
  /** Sum of the pairwise estimates, ignoring overlap. For comparison only: never a region total. */
  naive: { totals: AllocationTotals };
  solver: AllocationSolverInfo;
}
