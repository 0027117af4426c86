import { generateAllocationInstance } from './allocation.bench-kernel';
import { greedyAllocation } from './allocation.greedy';
import { loadHighsSolver, type HighsInstance } from './allocation.highs';
import { allocationLpText, buildAllocationProblem } from './allocation.problem';
import { solveAllocation } from './allocation.solver';
import type { AllocationPair, AllocationPlan, AllocationStream } from './allocation.types';

const pair = (
  id: string,
  supplyId: string,
  demandId: string,
  maxQuantity: number,
  co2PerUnit: number,
  extra: Partial<AllocationPair> = {},
): AllocationPair => ({
  id,
  supplyId,
  demandId,
  maxQuantity,
  supplyPerUnit: 1,
  co2PerUnit,
  energyPerUnit: 0,
  ...extra,
});
const stream = (id: string, quantity: number): AllocationStream => ({ id, quantity });
const quantities = (plan: AllocationPlan): Record<string, number> =>
  Object.fromEntries(plan.items.map((item) => [item.pairId, item.quantity]));

let highs: HighsInstance;
beforeAll(async () => {
  highs = await loadHighsSolver();
});

describe('solveAllocation — small instances solved by hand', () => {
  it('returns an empty plan for empty input, without calling the solver', async () => {
    const result = await solveAllocation([], [], []);
    expect(result.plan).toEqual({
      items: [],
      totals: { energySavedMWhPerYear: 0, co2AvoidedTonnesPerYear: 0 },
    });
    expect(result.greedy.items).toEqual([]);
    expect(result.naive.totals).toEqual({ energySavedMWhPerYear: 0, co2AvoidedTonnesPerYear: 0 });
    expect(result.solver).toMatchObject({
      name: 'HiGHS',
      status: 'optimal',
      variables: 0,
      constraints: 0,
      lpSolves: 0,
    });
  });

  it('solves a single pair in closed form: x = min(maxQuantity, supply / supplyPerUnit, demand)', async () => {
    // Heat with 10 % loss: 110 MWh of supply deliver 110 / 1.1 = 100 MWh; the demand takes up to 200.
    // x = min(100, 110 / 1.1, 200) = 100 → CO2 = 100 × 0.5 = 50 t, energy = 100 × 2 = 200 MWh.
    const result = await solveAllocation(
      [pair('m1', 's1', 'd1', 100, 0.5, { supplyPerUnit: 1.1, energyPerUnit: 2 })],
      [stream('s1', 110)],
      [stream('d1', 200)],
      { highs },
    );
    expect(result.plan.items).toEqual([
      { pairId: 'm1', quantity: 100, co2AvoidedTonnesPerYear: 50, energySavedMWhPerYear: 200 },
    ]);
    expect(result.plan.totals).toEqual({ energySavedMWhPerYear: 200, co2AvoidedTonnesPerYear: 50 });
    expect(result.solver.lpSolves).toBe(0);
  });

  it('beats greedy when the best single pair blocks two good ones', async () => {
    // S1 = S2 = D1 = D2 = 100 t.
    //   A: S1→D1, 1.0 t/t, net 100 (the best pair)
    //   B: S1→D2, 0.9 t/t, net 90
    //   C: S2→D1, 0.9 t/t, net 90
    // Greedy takes A = 100, which exhausts S1 and D1, so B = C = 0: greedy = 100 t.
    // LP: with x_A = t, S1 allows x_B ≤ 100 − t and D1 allows x_C ≤ 100 − t, so the objective is
    //   t + 0.9(100 − t) + 0.9(100 − t) = 180 − 0.8t, largest at t = 0: B = C = 100, plan = 180 t.
    // Naive = 100 + 90 + 90 = 280 t.
    const pairs = [
      pair('A', 'S1', 'D1', 100, 1.0),
      pair('B', 'S1', 'D2', 100, 0.9),
      pair('C', 'S2', 'D1', 100, 0.9),
    ];
    const supplies = [stream('S1', 100), stream('S2', 100)];
    const demands = [stream('D1', 100), stream('D2', 100)];
    const result = await solveAllocation(pairs, supplies, demands, { highs });

    expect(quantities(result.plan)).toEqual({ B: 100, C: 100 });
    expect(result.plan.totals.co2AvoidedTonnesPerYear).toBe(180);
    expect(quantities(result.greedy)).toEqual({ A: 100 });
    expect(result.greedy.totals.co2AvoidedTonnesPerYear).toBe(100);
    expect(result.naive.totals.co2AvoidedTonnesPerYear).toBe(280);
    expect(result.solver).toMatchObject({ status: 'optimal', objective: 180, variables: 3, lpSolves: 1 });
  });

  it('beats greedy when a shared demand is the bottleneck', async () => {
    // S1 = 50, S2 = 80, D1 = 100, D2 = 30.
    //   a: S1→D1 0.5 t/t, maxQ 50, net 25
    //   b: S2→D1 0.4 t/t, maxQ 80, net 32
    //   c: S2→D2 0.3 t/t, maxQ 30, net 9
    // Greedy: b = 80 (S2 empty, D1 has 20 left), a = min(50, 50, 20) = 20, c = 0 → 32 + 10 = 42 t.
    // LP: a is worth most per unit of D1, so a = 50; D1 leaves b ≤ 50; S2 leaves c ≤ 80 − 50 = 30.
    //   Plan a = 50, b = 50, c = 30 → 25 + 20 + 9 = 54 t. (Trading a for b loses 0.1 t per unit.)
    const pairs = [
      pair('a', 'S1', 'D1', 50, 0.5),
      pair('b', 'S2', 'D1', 80, 0.4),
      pair('c', 'S2', 'D2', 30, 0.3),
    ];
    const result = await solveAllocation(
      pairs,
      [stream('S1', 50), stream('S2', 80)],
      [stream('D1', 100), stream('D2', 30)],
      { highs },
    );
    expect(quantities(result.plan)).toEqual({ a: 50, b: 50, c: 30 });
    expect(result.plan.totals.co2AvoidedTonnesPerYear).toBe(54);
    expect(quantities(result.greedy)).toEqual({ a: 20, b: 80 });
    expect(result.greedy.totals.co2AvoidedTonnesPerYear).toBe(42);
    expect(result.naive.totals.co2AvoidedTonnesPerYear).toBe(66);
  });

  it('spends a lossy supply where it avoids most CO2 per unit of supply; naive overstates > 2×', async () => {
    // One heat supply S = 100 MWh, three demands.
    //   P1: 25 % loss (supplyPerUnit 1.25), maxQ 80, 0.30 t/MWh delivered → 0.30 / 1.25 = 0.24 t per MWh of S, net 24
    //   P2: no loss, maxQ 60 (D2 = 60),       0.25 t/MWh → 0.25 per MWh of S, net 15
    //   P3: no loss, maxQ 100,                0.20 t/MWh → 0.20 per MWh of S, net 20
    // LP (one binding row, a fractional knapsack): best value per unit of S first.
    //   P2 = 60 (uses 60 of S) → 15 t; P1 gets the other 40 of S: 40 / 1.25 = 32 MWh → 9.6 t; P3 = 0.
    //   Plan = 24.6 t. Energy: P1 1.5 MWh/MWh × 32 = 48, P2 1 × 60 = 60 → 108 MWh.
    // Greedy by pair net takes P1 (24) first: 80 MWh uses all 100 of S → 24 t.
    // Naive = 24 + 15 + 20 = 59 t = 2.4 × the plan.
    const pairs = [
      pair('P1', 'S', 'D1', 80, 0.3, { supplyPerUnit: 1.25, energyPerUnit: 1.5 }),
      pair('P2', 'S', 'D2', 60, 0.25, { energyPerUnit: 1 }),
      pair('P3', 'S', 'D3', 100, 0.2, { energyPerUnit: 1 }),
    ];
    const result = await solveAllocation(
      pairs,
      [stream('S', 100)],
      [stream('D1', 80), stream('D2', 60), stream('D3', 100)],
      { highs },
    );
    expect(quantities(result.plan)).toEqual({ P1: 32, P2: 60 });
    expect(result.plan.totals).toEqual({ co2AvoidedTonnesPerYear: 24.6, energySavedMWhPerYear: 108 });
    expect(result.greedy.totals.co2AvoidedTonnesPerYear).toBe(24);
    expect(result.naive.totals.co2AvoidedTonnesPerYear).toBe(59);
    expect(result.naive.totals.co2AvoidedTonnesPerYear).toBeGreaterThan(
      2 * result.plan.totals.co2AvoidedTonnesPerYear,
    );
  });

  it('ignores pairs without a net saving and pairs on empty streams', async () => {
    // Only q qualifies: r saves nothing (co2PerUnit ≤ 0) and z's demand has quantity 0.
    // q alone: x = min(40, 100, 30) = 30 → 30 × 0.2 = 6 t. Naive counts q and z: 40 × 0.2 + 10 × 0.5 = 13 t.
    const pairs = [
      pair('q', 'S', 'D', 40, 0.2),
      pair('r', 'S', 'D2', 40, -0.1),
      pair('z', 'S', 'D0', 10, 0.5),
    ];
    const result = await solveAllocation(
      pairs,
      [stream('S', 100)],
      [stream('D', 30), stream('D2', 50), stream('D0', 0)],
      { highs },
    );
    expect(quantities(result.plan)).toEqual({ q: 30 });
    expect(result.solver.qualifyingPairs).toBe(1);
    expect(result.naive.totals.co2AvoidedTonnesPerYear).toBe(13);
  });

  it('rounds quantities down to 0.001 without over-allocating a stream, keeping full pairs exact', async () => {
    // S = 10 t, supplyPerUnit 3 → at most 10 / 3 = 3.3333… delivered: reported 3.333 (uses 9.999 ≤ 10).
    // A second component runs its pair at maxQuantity = 1/3, kept exact as the pairwise quantity.
    const result = await solveAllocation(
      [pair('x', 'S', 'D', 5, 1, { supplyPerUnit: 3 }), pair('y', 'S2', 'D2', 1 / 3, 1)],
      [stream('S', 10), stream('S2', 1)],
      [stream('D', 5), stream('D2', 1)],
      { highs },
    );
    expect(quantities(result.plan)).toEqual({ x: 3.333, y: 1 / 3 });
  });
});

describe('solveAllocation — solver mechanics', () => {
  it('matches the CPLEX-LP-text formulation solved independently by HiGHS', async () => {
    const instance = generateAllocationInstance(400, 7);
    const result = await solveAllocation(instance.pairs, instance.supplies, instance.demands, { highs });
    const lp = allocationLpText(buildAllocationProblem(instance.pairs, instance.supplies, instance.demands));
    const reference = highs.solve(lp, { output_flag: false });
    expect(reference.Status).toBe('Optimal');
    expect(result.solver.status).toBe('optimal');
    expect(result.solver.objective).toBeCloseTo(reference.ObjectiveValue, 4);
    // Reported (rounded) totals lose at most 0.001 units per item.
    expect(result.plan.totals.co2AvoidedTonnesPerYear).toBeLessThanOrEqual(reference.ObjectiveValue + 1e-6);
    expect(result.plan.totals.co2AvoidedTonnesPerYear).toBeGreaterThan(
      reference.ObjectiveValue - 0.001 * 400,
    );
  });

  it('decomposes into components; batching does not change the optimum', async () => {
    // Three independent copies of the crossing instance (180 t each) plus a lone pair (closed form).
    const pairs: AllocationPair[] = [];
    const supplies: AllocationStream[] = [];
    const demands: AllocationStream[] = [];
    for (const k of [1, 2, 3]) {
      pairs.push(pair(`A${k}`, `S1${k}`, `D1${k}`, 100, 1), pair(`B${k}`, `S1${k}`, `D2${k}`, 100, 0.9));
      pairs.push(pair(`C${k}`, `S2${k}`, `D1${k}`, 100, 0.9));
      supplies.push(stream(`S1${k}`, 100), stream(`S2${k}`, 100));
      demands.push(stream(`D1${k}`, 100), stream(`D2${k}`, 100));
    }
    pairs.push(pair('L', 'SL', 'DL', 10, 1));
    supplies.push(stream('SL', 50));
    demands.push(stream('DL', 50));

    const problem = buildAllocationProblem(pairs, supplies, demands);
    expect(problem.components).toHaveLength(4);
    expect(problem.components.filter((c) => c.closedForm)).toHaveLength(1);

    const batched = await solveAllocation(pairs, supplies, demands, { highs });
    const separate = await solveAllocation(pairs, supplies, demands, { highs, lpBatchPairs: 1 });
    expect(batched.solver.lpSolves).toBe(1);
    expect(separate.solver.lpSolves).toBe(3);
    for (const result of [batched, separate]) {
      expect(result.plan.totals.co2AvoidedTonnesPerYear).toBe(3 * 180 + 10);
      expect(result.solver.components).toBe(4);
      expect(result.solver.variables).toBe(9);
    }
    expect(batched.plan).toEqual(separate.plan);
  });

  it('is deterministic and independent of input order; items are ordered by pair id', async () => {
    const instance = generateAllocationInstance(300, 11);
    const a = await solveAllocation(instance.pairs, instance.supplies, instance.demands, { highs });
    const reversed = await solveAllocation(
      [...instance.pairs].reverse(),
      [...instance.supplies].reverse(),
      [...instance.demands].reverse(),
      { highs },
    );
    expect(reversed.plan).toEqual(a.plan);
    expect(reversed.greedy).toEqual(a.greedy);
    const ids = a.plan.items.map((item) => item.pairId);
    expect(ids).toEqual([...ids].sort());
  });

  it('falls back to the greedy plan for an LP that is not solved to optimality, and says so', async () => {
    const pairs = [
      pair('A', 'S1', 'D1', 100, 1.0),
      pair('B', 'S1', 'D2', 100, 0.9),
      pair('C', 'S2', 'D1', 100, 0.9),
    ];
    const supplies = [stream('S1', 100), stream('S2', 100)];
    const demands = [stream('D1', 100), stream('D2', 100)];
    const result = await solveAllocation(pairs, supplies, demands, {
      highs,
      highsOptions: { presolve: 'off', simplex_iteration_limit: 0 },
    });
    expect(result.solver.status).toBe('iterationLimit');
    expect(result.plan).toEqual(greedyAllocation(pairs, supplies, demands));
  });

  it('loads the HiGHS module once', async () => {
    expect(loadHighsSolver()).toBe(loadHighsSolver());
    expect(await loadHighsSolver()).toBe(highs);
  });
});
