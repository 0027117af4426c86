import { greedyAllocation, naiveTotals } from './allocation.greedy';
import { loadHighsSolver, type HighsInstance } from './allocation.highs';
import { solveAllocation } from './allocation.solver';
import type { AllocationPair, AllocationStream } from './allocation.types';

export interface AllocationInstance {
  pairs: AllocationPair[];
  supplies: AllocationStream[];
  demands: AllocationStream[];
}

/** mulberry32: small, fast, deterministic PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (i: number): string => i.toString().padStart(7, '0');

/**
 * A deterministic random bipartite instance with spatial locality: streams are scattered over a
 * square region, each pair links a supply to a demand in a neighbouring grid cell, transport losses
 * and the CO2 saving per unit fall with distance, quantities are log-normal. nPairs / 5 supplies and
 * as many demands (20k + 20k for 100k pairs), so a supply matches ~5 demands and vice versa.
 */
export function generateAllocationInstance(nPairs: number, seed: number): AllocationInstance {
  const random = seededRandom(seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const nStreams = Math.max(1, Math.round(nPairs / 5));
  // Side of the square region in km, so that a 3×3 cell neighbourhood holds ~36 demands.
  const cells = Math.max(1, Math.round(Math.sqrt(nStreams / 4)));
  const cellKm = 5;

  const place = (prefix: string): { streams: AllocationStream[]; x: Float64Array; y: Float64Array } => {
    const streams: AllocationStream[] = [];
    const x = new Float64Array(nStreams);
    const y = new Float64Array(nStreams);
    for (let i = 0; i < nStreams; i++) {
      x[i] = random() * cells * cellKm;
      y[i] = random() * cells * cellKm;
      streams.push({ id: `${prefix}-${pad(i)}`, quantity: Math.round(1000 * Math.exp(gaussian())) });
    }
    return { streams, x, y };
  };
  const sup = place('s');
  const dem = place('d');

  const cellOf = (v: number): number => Math.min(cells - 1, Math.floor(v / cellKm));
  const grid: number[][] = Array.from({ length: cells * cells }, () => []);
  for (let d = 0; d < nStreams; d++) grid[cellOf(dem.y[d]) * cells + cellOf(dem.x[d])].push(d);

  const pairs: AllocationPair[] = [];
  const seen = new Set<number>();
  const maxKm = cellKm * 2 * Math.SQRT2;
  let attempts = 0;
  while (pairs.length < nPairs && attempts < nPairs * 20) {
    attempts++;
    const s = Math.floor(random() * nStreams);
    const cx = cellOf(sup.x[s]) + Math.floor(random() * 3) - 1;
    const cy = cellOf(sup.y[s]) + Math.floor(random() * 3) - 1;
    if (cx < 0 || cy < 0 || cx >= cells || cy >= cells) continue;
    const bucket = grid[cy * cells + cx];
    if (bucket.length === 0) continue;
    const d = bucket[Math.floor(random() * bucket.length)];
    const key = s * nStreams + d;
    if (seen.has(key)) continue;
    seen.add(key);
    const km = Math.hypot(sup.x[s] - dem.x[d], sup.y[s] - dem.y[d]);
    const loss = 0.02 + 0.1 * Math.min(1, km / maxKm);
    const supplyPerUnit = 1 / (1 - loss);
    const maxQuantity = Math.min(sup.streams[s].quantity / supplyPerUnit, dem.streams[d].quantity);
    const co2PerUnit = (0.05 + 0.45 * random()) * (1 - 0.5 * Math.min(1, km / maxKm));
    pairs.push({
      id: `m-${pad(pairs.length)}`,
      supplyId: sup.streams[s].id,
      demandId: dem.streams[d].id,
      maxQuantity,
      supplyPerUnit,
      co2PerUnit,
      energyPerUnit: co2PerUnit * (3 + 2 * random()),
    });
  }
  return { pairs, supplies: sup.streams, demands: dem.streams };
}

export interface AllocationBenchResult {
  /** Wall-clock ms of solveAllocation (validation, decomposition, LPs, rounding, greedy, naive). */
  solveMs: number;
  /** Wall-clock ms of greedyAllocation on the same input. */
  greedyMs: number;
  planCo2: number;
  greedyCo2: number;
  naiveCo2: number;
  /** ms spent building and solving the LPs inside solveAllocation. */
  solverMs: number;
  pairs: number;
  components: number;
  lpSolves: number;
  variables: number;
  constraints: number;
  status: string;
}

/**
 * Benchmark kernel: generates `generateAllocationInstance(nPairs, seed)` and times the LP plan and the
 * greedy plan. The HiGHS module is loaded before timing starts (pass an instance to reuse one).
 */
export async function benchAllocation(
  nPairs: number,
  seed: number,
  highs?: HighsInstance,
): Promise<AllocationBenchResult> {
  const instance = generateAllocationInstance(nPairs, seed);
  const solverRuntime = highs ?? (await loadHighsSolver());

  const t0 = performance.now();
  const result = await solveAllocation(instance.pairs, instance.supplies, instance.demands, {
    highs: solverRuntime,
  });
  const solveMs = performance.now() - t0;

  const t1 = performance.now();
  const greedy = greedyAllocation(instance.pairs, instance.supplies, instance.demands);
  const greedyMs = performance.now() - t1;

  return {
    solveMs: Math.round(solveMs),
    greedyMs: Math.round(greedyMs),
    planCo2: result.plan.totals.co2AvoidedTonnesPerYear,
    greedyCo2: greedy.totals.co2AvoidedTonnesPerYear,
    naiveCo2: naiveTotals(instance.pairs).co2AvoidedTonnesPerYear,
    solverMs: result.solver.solveMs,
    pairs: instance.pairs.length,
    components: result.solver.components,
    lpSolves: result.solver.lpSolves,
    variables: result.solver.variables,
    constraints: result.solver.constraints,
    status: result.solver.status,
  };
}
