export * from './allocation.types';
export {
  AllocationInputError,
  buildAllocationProblem,
  buildLinearProgram,
  allocationLpText,
  indexStreams,
  pairSideIndex,
  validatePair,
} from './allocation.problem';
export type {
  AllocationComponent,
  AllocationIndex,
  AllocationLinearProgram,
  AllocationProblem,
} from './allocation.problem';
export { greedyAllocation, naiveTotals } from './allocation.greedy';
export { LP_BATCH_PAIRS, solveAllocation, type SolveAllocationOptions } from './allocation.solver';
export { loadHighsSolver, type HighsInstance } from './allocation.highs';
export { QUANTITY_DECIMALS } from './allocation.plan';
export {
  benchAllocation,
  generateAllocationInstance,
  type AllocationBenchResult,
  type AllocationInstance,
} from './allocation.bench-kernel';
