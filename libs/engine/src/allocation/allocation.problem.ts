import type { ModelData } from 'highs';
import type { AllocationPair, AllocationStream } from './allocation.types';

/** Thrown for input a caller must fix (duplicate ids, unknown streams, non-finite numbers). */
export class AllocationInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllocationInputError';
  }
}

/**
 * Validated, indexed input shared by the solver and the greedy plan. Only qualifying pairs are kept:
 * co2PerUnit > 0, maxQuantity > 0, and both streams with a quantity > 0. Pairs are sorted by id
 * (code-unit order, locale independent), so every index below is deterministic.
 */
export interface AllocationIndex {
  /** Qualifying pairs sorted by id. */
  pairs: AllocationPair[];
  supplies: readonly AllocationStream[];
  demands: readonly AllocationStream[];
  /** Index into `supplies` of each pair's supply. */
  pairSupply: Int32Array;
  /** Index into `demands` of each pair's demand. */
  pairDemand: Int32Array;
  /** Effective upper bound of each pair: min(maxQuantity, supply / supplyPerUnit, demand). */
  cap: Float64Array;
}

/** A connected component of the bipartite supply/demand graph formed by qualifying pairs. */
export interface AllocationComponent {
  /** Indices into `problem.pairs`, ascending. */
  pairs: Int32Array;
  /**
   * True when no stream constraint of the component can bind (the pairs' caps fit every stream,
   * which includes every single-pair component): each pair simply runs at its cap, no solver needed.
   */
  closedForm: boolean;
}

/** The linear program, decomposed into independent components. */
export interface AllocationProblem extends AllocationIndex {
  /** Per supply: can Σ supplyPerUnit·cap over its pairs exceed its quantity? (otherwise the row is dropped) */
  supplyBinding: Uint8Array;
  /** Per demand: can Σ cap over its pairs exceed its quantity? */
  demandBinding: Uint8Array;
  /** Components ordered by their smallest pair index. */
  components: AllocationComponent[];
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function notFinite(what: string, value: unknown): AllocationInputError {
  return new AllocationInputError(`${what} must be a finite number, got ${String(value)}`);
}

/**
 * Validates one side's streams and maps each id to its position. Throws AllocationInputError on a
 * missing or duplicate id or a non-finite or negative quantity.
 */
export function indexStreams(
  streams: readonly AllocationStream[],
  side: 'supply' | 'demand',
): Map<string, number> {
  const index = new Map<string, number>();
  streams.forEach((stream, i) => {
    if (typeof stream.id !== 'string' || stream.id === '') {
      throw new AllocationInputError(`${side} #${i} has no id`);
    }
    if (index.has(stream.id)) throw new AllocationInputError(`duplicate ${side} id ${stream.id}`);
    if (!isFiniteNumber(stream.quantity)) throw notFinite(`${side} ${stream.id} quantity`, stream.quantity);
    if (stream.quantity < 0) throw new AllocationInputError(`${side} ${stream.id} quantity is negative`);
    index.set(stream.id, i);
  });
  return index;
}

const NUMERIC_PAIR_FIELDS = ['maxQuantity', 'supplyPerUnit', 'co2PerUnit', 'energyPerUnit'] as const;

/** Validates one pair; returns whether it qualifies for allocation (positive net CO2 and quantity). */
export function validatePair(pair: AllocationPair): boolean {
  if (typeof pair.id !== 'string' || pair.id === '') throw new AllocationInputError('a pair has no id');
  for (const key of NUMERIC_PAIR_FIELDS) {
    if (!isFiniteNumber(pair[key])) throw notFinite(`pair ${pair.id} ${key}`, pair[key]);
  }
  if (pair.maxQuantity < 0) throw new AllocationInputError(`pair ${pair.id} maxQuantity is negative`);
  if (pair.supplyPerUnit <= 0) throw new AllocationInputError(`pair ${pair.id} supplyPerUnit must be > 0`);
  return pair.co2PerUnit > 0 && pair.maxQuantity > 0;
}

/** Position of a pair's supply or demand in its side's index; throws AllocationInputError when unknown. */
export function pairSideIndex(
  pair: AllocationPair,
  side: 'supply' | 'demand',
  index: ReadonlyMap<string, number>,
): number {
  const id = side === 'supply' ? pair.supplyId : pair.demandId;
  const at = index.get(id);
  if (at === undefined) throw new AllocationInputError(`pair ${pair.id} refers to unknown ${side} ${id}`);
  return at;
}

/**
 * Validates the input and keeps the qualifying pairs, sorted by id. Throws AllocationInputError on
 * duplicate stream or pair ids, pairs referring to unknown streams, and non-finite or negative numbers.
 */
export function indexAllocation(
  pairs: readonly AllocationPair[],
  supplies: readonly AllocationStream[],
  demands: readonly AllocationStream[],
): AllocationIndex {
  const supplyIndex = indexStreams(supplies, 'supply');
  const demandIndex = indexStreams(demands, 'demand');
  const kept: { pair: AllocationPair; s: number; d: number }[] = [];
  let sorted = true;
  for (const pair of pairs) {
    const qualifies = validatePair(pair);
    const s = pairSideIndex(pair, 'supply', supplyIndex);
    const d = pairSideIndex(pair, 'demand', demandIndex);
    if (qualifies && supplies[s].quantity > 0 && demands[d].quantity > 0) {
      if (sorted && kept.length > 0 && !(kept[kept.length - 1].pair.id < pair.id)) sorted = false;
      kept.push({ pair, s, d });
    }
  }
  if (!sorted) kept.sort((a, b) => byId(a.pair, b.pair));

  const n = kept.length;
  const out: AllocationPair[] = new Array<AllocationPair>(n);
  const pairSupply = new Int32Array(n);
  const pairDemand = new Int32Array(n);
  const cap = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const { pair, s, d } = kept[p];
    if (p > 0 && out[p - 1].id === pair.id) throw new AllocationInputError(`duplicate pair id ${pair.id}`);
    out[p] = pair;
    pairSupply[p] = s;
    pairDemand[p] = d;
    cap[p] = Math.min(pair.maxQuantity, supplies[s].quantity / pair.supplyPerUnit, demands[d].quantity);
  }
  return { pairs: out, supplies, demands, pairSupply, pairDemand, cap };
}

/**
 * Builds the allocation linear program:
 *
 *   maximise   Σ_p co2PerUnit_p · x_p
 *   subject to Σ_{p ∈ s} supplyPerUnit_p · x_p ≤ quantity_s   for every supply s
 *              Σ_{p ∈ d} x_p ≤ quantity_d                    for every demand d
 *              0 ≤ x_p ≤ maxQuantity_p
 *
 * over the qualifying pairs, split into connected components (a stream only constrains pairs of its
 * own component, so components are independent programs). Rows that cannot bind are dropped.
 */
export function buildAllocationProblem(
  pairs: readonly AllocationPair[],
  supplies: readonly AllocationStream[],
  demands: readonly AllocationStream[],
): AllocationProblem {
  const index = indexAllocation(pairs, supplies, demands);
  const { pairSupply, pairDemand, cap } = index;
  const n = index.pairs.length;
  const nS = supplies.length;
  const nD = demands.length;

  // Which rows can bind at all, given the column bounds.
  const supplyLoad = new Float64Array(nS);
  const demandLoad = new Float64Array(nD);
  for (let p = 0; p < n; p++) {
    supplyLoad[pairSupply[p]] += index.pairs[p].supplyPerUnit * cap[p];
    demandLoad[pairDemand[p]] += cap[p];
  }
  const supplyBinding = new Uint8Array(nS);
  const demandBinding = new Uint8Array(nD);
  for (let s = 0; s < nS; s++) supplyBinding[s] = supplyLoad[s] > supplies[s].quantity ? 1 : 0;
  for (let d = 0; d < nD; d++) demandBinding[d] = demandLoad[d] > demands[d].quantity ? 1 : 0;

  // Union-find over stream nodes: supply s is node s, demand d is node nS + d.
  const parent = new Int32Array(nS + nD);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root];
    while (parent[i] !== root) {
      const next = parent[i];
      parent[i] = root;
      i = next;
    }
    return root;
  };
  for (let p = 0; p < n; p++) {
    const a = find(pairSupply[p]);
    const b = find(nS + pairDemand[p]);
    if (a !== b) parent[a < b ? b : a] = a < b ? a : b;
  }

  // Group pairs by root, components numbered by first appearance (smallest pair index).
  const componentOfRoot = new Int32Array(nS + nD).fill(-1);
  const pairComponent = new Int32Array(n);
  const sizes: number[] = [];
  for (let p = 0; p < n; p++) {
    const root = find(pairSupply[p]);
    let c = componentOfRoot[root];
    if (c < 0) {
      c = sizes.length;
      componentOfRoot[root] = c;
      sizes.push(0);
    }
    pairComponent[p] = c;
    sizes[c]++;
  }
  const members = sizes.map((size) => new Int32Array(size));
  const fill = new Int32Array(sizes.length);
  const binding = new Uint8Array(sizes.length);
  for (let p = 0; p < n; p++) {
    const c = pairComponent[p];
    members[c][fill[c]++] = p;
    if (supplyBinding[pairSupply[p]] || demandBinding[pairDemand[p]]) binding[c] = 1;
  }
  const components = members.map((m, c) => ({ pairs: m, closedForm: m.length === 1 || binding[c] === 0 }));

  return { ...index, supplyBinding, demandBinding, components };
}

/** A linear program for a set of pairs, in the structured form HiGHS accepts directly. */
export interface AllocationLinearProgram {
  model: ModelData;
  /** Pair index (into `problem.pairs`) of each column. */
  columns: Int32Array;
  /** x_p = colValue[j] · columnScale[j] (variables are scaled to [0, 1] by the pair's cap). */
  columnScale: Float64Array;
  /** Objective of the LP × costScale = − t CO2/yr (HiGHS minimises). */
  costScale: number;
}

/**
 * The LP of the given pairs (a union of whole components) as sparse CSC arrays. For numerical
 * robustness the model is scaled: y_p = x_p / cap_p ∈ [0, 1]; each row is divided by its stream's
 * quantity (so coefficients are fractions ≤ 1 and every right-hand side is 1); the objective is
 * divided by its largest coefficient and negated (HiGHS minimises by default).
 */
export function buildLinearProgram(
  problem: AllocationProblem,
  pairIndices: Int32Array,
): AllocationLinearProgram {
  const { pairs, pairSupply, pairDemand, cap, supplyBinding, demandBinding, supplies, demands } = problem;
  const numCols = pairIndices.length;
  const supplyRow = new Map<number, number>();
  const demandRow = new Map<number, number>();
  let numRows = 0;
  const rowQuantity: number[] = [];

  let costScale = 0;
  for (let j = 0; j < numCols; j++) {
    const p = pairIndices[j];
    costScale = Math.max(costScale, pairs[p].co2PerUnit * cap[p]);
  }
  if (!(costScale > 0)) costScale = 1;

  const colCost = new Float64Array(numCols);
  const colLower = new Float64Array(numCols);
  const colUpper = new Float64Array(numCols).fill(1);
  const starts = new Int32Array(numCols + 1);
  const indices = new Int32Array(2 * numCols);
  const values = new Float64Array(2 * numCols);
  let nz = 0;
  for (let j = 0; j < numCols; j++) {
    const p = pairIndices[j];
    const pair = pairs[p];
    colCost[j] = -(pair.co2PerUnit * cap[p]) / costScale;
    starts[j] = nz;
    let sRow = -1;
    let dRow = -1;
    const s = pairSupply[p];
    if (supplyBinding[s]) {
      const known = supplyRow.get(s);
      if (known === undefined) {
        sRow = numRows++;
        supplyRow.set(s, sRow);
        rowQuantity.push(supplies[s].quantity);
      } else sRow = known;
    }
    const d = pairDemand[p];
    if (demandBinding[d]) {
      const known = demandRow.get(d);
      if (known === undefined) {
        dRow = numRows++;
        demandRow.set(d, dRow);
        rowQuantity.push(demands[d].quantity);
      } else dRow = known;
    }
    const sValue = sRow >= 0 ? (pair.supplyPerUnit * cap[p]) / supplies[s].quantity : 0;
    const dValue = dRow >= 0 ? cap[p] / demands[d].quantity : 0;
    // Row indices ascending within a column.
    if (sRow >= 0 && dRow >= 0 && dRow < sRow) {
      indices[nz] = dRow;
      values[nz++] = dValue;
      indices[nz] = sRow;
      values[nz++] = sValue;
    } else {
      if (sRow >= 0) {
        indices[nz] = sRow;
        values[nz++] = sValue;
      }
      if (dRow >= 0) {
        indices[nz] = dRow;
        values[nz++] = dValue;
      }
    }
  }
  starts[numCols] = nz;

  const rowLower = new Float64Array(numRows).fill(-Infinity);
  const rowUpper = new Float64Array(numRows).fill(1);
  const columnScale = new Float64Array(numCols);
  for (let j = 0; j < numCols; j++) columnScale[j] = cap[pairIndices[j]];

  return {
    model: {
      numCols,
      numRows,
      colCost,
      colLower,
      colUpper,
      rowLower,
      rowUpper,
      matrix: {
        format: 'csc',
        numRows,
        numCols,
        starts,
        indices: indices.subarray(0, nz),
        values: values.subarray(0, nz),
      },
    },
    columns: pairIndices,
    columnScale,
    costScale,
  };
}

/**
 * The whole (unscaled) LP in CPLEX LP format, for inspection and cross-checking. Variables are
 * `x<pair index>`, rows `s<supply index>` / `d<demand index>`; names are indices because ids may
 * contain characters the LP format does not allow.
 */
export function allocationLpText(problem: AllocationProblem): string {
  const { pairs, pairSupply, pairDemand, supplies, demands } = problem;
  const lines: string[] = ['Maximize', ' co2:'];
  pairs.forEach((pair, p) => lines.push(`  + ${pair.co2PerUnit} x${p}`));
  if (pairs.length === 0) lines.push('  0 x0');
  lines.push('Subject To');
  const bySupply = new Map<number, string[]>();
  const byDemand = new Map<number, string[]>();
  pairs.forEach((pair, p) => {
    const s = bySupply.get(pairSupply[p]) ?? [];
    s.push(`+ ${pair.supplyPerUnit} x${p}`);
    bySupply.set(pairSupply[p], s);
    const d = byDemand.get(pairDemand[p]) ?? [];
    d.push(`+ x${p}`);
    byDemand.set(pairDemand[p], d);
  });
  for (const [s, terms] of [...bySupply].sort((a, b) => a[0] - b[0])) {
    lines.push(` s${s}: ${terms.join(' ')} <= ${supplies[s].quantity}`);
  }
  for (const [d, terms] of [...byDemand].sort((a, b) => a[0] - b[0])) {
    lines.push(` d${d}: ${terms.join(' ')} <= ${demands[d].quantity}`);
  }
  lines.push('Bounds');
  pairs.forEach((pair, p) => lines.push(` 0 <= x${p} <= ${pair.maxQuantity}`));
  if (pairs.length === 0) lines.push(' 0 <= x0 <= 0');
  lines.push('End');
  return lines.join('\n');
}
