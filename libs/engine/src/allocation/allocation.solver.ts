import type { OptionValue } from 'highs';
import { greedyQuantities, naiveTotals } from './allocation.greedy';
import { loadHighsSolver, type HighsInstance } from './allocation.highs';
import { finalizePlan } from './allocation.plan';
import { buildAllocationProblem, buildLinearProgram, type AllocationProblem } from './allocation.problem';
import type {
  AllocationPair,
  AllocationResult,
  AllocationSolverInfo,
  AllocationStream,
} from './allocation.types';

export interface SolveAllocationOptions {
  /** A loaded HiGHS runtime; by default the module is loaded once per process and reused. */
  highs?: HighsInstance;
  /** Wall-clock limit per linear program, seconds. A component that hits it falls back to greedy. */
  timeLimitSeconds?: number;
  /** Extra HiGHS options (snake_case names, e.g. `{ solver: 'ipm' }`), applied to every LP. */
  highsOptions?: Readonly<Record<string, OptionValue>>;
  /** Pack components smaller than this many pairs into shared LPs (default LP_BATCH_PAIRS; 1 = one LP each). */
  lpBatchPairs?: number;
}

/**
 * Components with fewer pairs than this are packed together into one LP (block-diagonal), so
 * thousands of small components do not pay the per-model overhead of the WebAssembly solver each;
 * larger components are solved on their own, which is faster than one LP for everything.
 */
export const LP_BATCH_PAIRS = 2_000;

export interface LpOutcome {
  /** HiGHS model status name (`optimal`, `timeLimit`, …). */
  status: string;
  /** Column values when an optimal solution is available, else null. */
  colValue: Float64Array | null;
}

function statusName(highs: HighsInstance, code: number): string {
  for (const [name, value] of Object.entries(highs.constants.modelStatus)) if (value === code) return name;
  return `status${code}`;
}

/** Solves one LP with the persistent HiGHS API (structured CSC input, no text parsing). */
function runLp(
  highs: HighsInstance,
  problem: AllocationProblem,
  pairIndices: Int32Array,
  options: SolveAllocationOptions,
): LpOutcome & { rows: number } {
  const lp = buildLinearProgram(problem, pairIndices);
  const model = highs.createModel(lp.model);
  try {
    model.options.set({ output_flag: false, ...(options.highsOptions ?? {}) });
    if (options.timeLimitSeconds !== undefined) model.options.set('time_limit', options.timeLimitSeconds);
    const { modelStatus } = model.run();
    if (modelStatus !== highs.constants.modelStatus.optimal) {
      return { status: statusName(highs, modelStatus), colValue: null, rows: lp.model.numRows };
    }
    const { colValue } = model.getSolution();
    const x = new Float64Array(colValue.length);
    for (let j = 0; j < colValue.length; j++) x[j] = colValue[j] * lp.columnScale[j];
    return { status: 'optimal', colValue: x, rows: lp.model.numRows };
  } finally {
    model.dispose();
  }
}

/**
 * The region-wide allocation plan: the linear program of `buildAllocationProblem` solved with HiGHS,
 * component by component (single-pair and non-binding components in closed form), plus the greedy
 * plan and the naive sum for comparison.
 */
export async function solveAllocation(
  pairs: readonly AllocationPair[],
  supplies: readonly AllocationStream[],
  demands: readonly AllocationStream[],
  options: SolveAllocationOptions = {},
): Promise<AllocationResult> {
  const problem = buildAllocationProblem(pairs, supplies, demands);
  const n = problem.pairs.length;
  const raw = new Float64Array(n);
  const solver: AllocationSolverInfo = {
    name: 'HiGHS',
    status: 'optimal',
    objective: 0,
    solveMs: 0,
    variables: 0,
    constraints: 0,
    components: problem.components.length,
    lpSolves: 0,
    qualifyingPairs: n,
  };

  const needsSolver = problem.components.some((c) => !c.closedForm);
  const highs = needsSolver ? (options.highs ?? (await loadHighsSolver())) : undefined;
  const started = performance.now();

  const solve = (columns: Int32Array): void => {
    if (columns.length === 0 || !highs) return;
    const outcome = runLp(highs, problem, columns, options);
    solver.lpSolves++;
    solver.variables += columns.length;
    solver.constraints += outcome.rows;
    if (outcome.colValue) {
      for (let j = 0; j < columns.length; j++) raw[columns[j]] = outcome.colValue[j];
    } else {
      // Keep the plan feasible and no worse than greedy on this part; report the status.
      if (solver.status === 'optimal') solver.status = outcome.status;
      const greedy = greedyQuantities(problem, columns);
      for (const p of columns) raw[p] = greedy[p];
    }
  };

  const batchPairs = Math.max(1, options.lpBatchPairs ?? LP_BATCH_PAIRS);
  let batch: number[] = [];
  for (const component of problem.components) {
    if (component.closedForm) {
      for (const p of component.pairs) raw[p] = problem.cap[p];
    } else if (component.pairs.length >= batchPairs) {
      solve(component.pairs);
    } else {
      for (const p of component.pairs) batch.push(p);
      if (batch.length >= batchPairs) {
        solve(Int32Array.from(batch));
        batch = [];
      }
    }
  }
  solve(Int32Array.from(batch));
  solver.solveMs = Math.round((performance.now() - started) * 10) / 10;

  let objective = 0;
  for (let p = 0; p < n; p++) objective += problem.pairs[p].co2PerUnit * raw[p];
  solver.objective = Math.round(objective * 1e6) / 1e6;

  return {
    plan: finalizePlan(problem, raw),
    greedy: finalizePlan(problem, greedyQuantities(problem)),
    naive: { totals: naiveTotals(pairs) },
    solver,
  };
}
