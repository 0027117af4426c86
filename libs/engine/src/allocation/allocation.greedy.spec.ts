import { greedyAllocation, naiveTotals } from './allocation.greedy';
import { finalizePlan } from './allocation.plan';
import { AllocationInputError, buildAllocationProblem, indexAllocation } from './allocation.problem';
import type { AllocationPair, AllocationStream } from './allocation.types';

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

describe('greedyAllocation', () => {
  it('takes the best pair (by pair net CO2) first, then what is left', () => {
    // S = 100. big: 80 × 0.3 = 24 t net; small: 60 × 0.35 = 21 t net (better per unit, smaller pair).
    // Greedy by pair net: big = 80 → 24 t, then small gets the 20 left → 7 t. Total 31 t.
    const plan = greedyAllocation(
      [pair('small', 'S', 'D2', 60, 0.35), pair('big', 'S', 'D1', 80, 0.3)],
      [stream('S', 100)],
      [stream('D1', 80), stream('D2', 60)],
    );
    expect(plan.items).toEqual([
      { pairId: 'big', quantity: 80, co2AvoidedTonnesPerYear: 24, energySavedMWhPerYear: 0 },
      { pairId: 'small', quantity: 20, co2AvoidedTonnesPerYear: 7, energySavedMWhPerYear: 0 },
    ]);
    expect(plan.totals.co2AvoidedTonnesPerYear).toBe(31);
  });

  it('breaks ties by energy saved, then by pair id', () => {
    // Three pairs with the same net CO2 (50 t) competing for S = 50.
    const supplies = [stream('S', 50)];
    const demands = [stream('D', 50)];
    const same = [pair('b', 'S', 'D', 50, 1), pair('a', 'S', 'D', 50, 1)];
    expect(greedyAllocation(same, supplies, demands).items.map((i) => i.pairId)).toEqual(['a']);
    const energetic = [...same, pair('c', 'S', 'D', 50, 1, { energyPerUnit: 2 })];
    expect(greedyAllocation(energetic, supplies, demands).items.map((i) => i.pairId)).toEqual(['c']);
  });

  it('returns an empty plan for empty input', () => {
    expect(greedyAllocation([], [], [])).toEqual({
      items: [],
      totals: { energySavedMWhPerYear: 0, co2AvoidedTonnesPerYear: 0 },
    });
  });
});

describe('naiveTotals', () => {
  it('adds up the pairwise estimates of the qualifying pairs only', () => {
    // 100 × 0.5 + 40 × 0.25 = 60 t; energy 100 × 2 + 40 × 1 = 240 MWh; the −0.1 pair does not qualify.
    expect(
      naiveTotals([
        pair('a', 'S', 'D', 100, 0.5, { energyPerUnit: 2 }),
        pair('b', 'S', 'D2', 40, 0.25, { energyPerUnit: 1 }),
        pair('c', 'S', 'D3', 40, -0.1, { energyPerUnit: 5 }),
      ]),
    ).toEqual({ co2AvoidedTonnesPerYear: 60, energySavedMWhPerYear: 240 });
  });
});

describe('input validation', () => {
  const supplies = [stream('S', 10)];
  const demands = [stream('D', 10)];
  it.each<[string, AllocationPair[], AllocationStream[], AllocationStream[]]>([
    ['unknown supply', [pair('a', 'X', 'D', 1, 1)], supplies, demands],
    ['unknown demand', [pair('a', 'S', 'X', 1, 1)], supplies, demands],
    ['duplicate pair id', [pair('a', 'S', 'D', 1, 1), pair('a', 'S', 'D', 2, 1)], supplies, demands],
    ['duplicate stream id', [], [stream('S', 1), stream('S', 2)], demands],
    ['NaN quantity', [pair('a', 'S', 'D', Number.NaN, 1)], supplies, demands],
    ['infinite co2', [pair('a', 'S', 'D', 1, Number.POSITIVE_INFINITY)], supplies, demands],
    ['negative stream quantity', [], [stream('S', -1)], demands],
    ['zero supplyPerUnit', [pair('a', 'S', 'D', 1, 1, { supplyPerUnit: 0 })], supplies, demands],
  ])('rejects %s', (_label, pairs, s, d) => {
    expect(() => buildAllocationProblem(pairs, s, d)).toThrow(AllocationInputError);
    expect(() => greedyAllocation(pairs, s, d)).toThrow(AllocationInputError);
  });
});

describe('finalizePlan (rounding and clamping)', () => {
  it('never reports a stream over-allocated when raw quantities overshoot slightly', () => {
    // A solver may return activities up to its feasibility tolerance above a row bound. Here the raw
    // plan uses 100.0015 of S = 100 (60.001 + 40 after flooring to 0.001); the lowest-value pair (b)
    // gives back the excess.
    const index = indexAllocation(
      [pair('a', 'S', 'D1', 100, 0.5), pair('b', 'S', 'D2', 100, 0.4)],
      [stream('S', 100)],
      [stream('D1', 100), stream('D2', 100)],
    );
    const plan = finalizePlan(index, Float64Array.from([60.0015, 40]));
    const byId = Object.fromEntries(plan.items.map((i) => [i.pairId, i.quantity]));
    expect(byId).toEqual({ a: 60.001, b: 39.999 });
    expect(byId.a + byId.b).toBeLessThanOrEqual(100 * (1 + 1e-9));
  });

  it('clamps into [0, maxQuantity] and drops zero items', () => {
    const index = indexAllocation(
      [pair('a', 'S', 'D', 10, 1), pair('b', 'S', 'D', 10, 1), pair('c', 'S', 'D', 10, 1)],
      [stream('S', 100)],
      [stream('D', 100)],
    );
    const plan = finalizePlan(index, Float64Array.from([10.5, -3, 0.0004]));
    expect(plan.items.map((i) => [i.pairId, i.quantity])).toEqual([['a', 10]]);
  });
});
