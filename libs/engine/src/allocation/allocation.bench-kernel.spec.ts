import { benchAllocation, generateAllocationInstance } from './allocation.bench-kernel';
import { buildAllocationProblem } from './allocation.problem';

describe('allocation bench kernel', () => {
  it('generates the same instance for the same seed, with unique pairs on known streams', () => {
    const a = generateAllocationInstance(2_000, 3);
    expect(generateAllocationInstance(2_000, 3)).toEqual(a);
    expect(generateAllocationInstance(2_000, 4)).not.toEqual(a);
    expect(a.pairs).toHaveLength(2_000);
    expect(a.supplies).toHaveLength(400);
    expect(a.demands).toHaveLength(400);
    const edges = new Set(a.pairs.map((p) => `${p.supplyId}>${p.demandId}`));
    expect(edges.size).toBe(a.pairs.length);
    // Validates (throws on unknown streams or bad numbers) and every pair qualifies.
    expect(buildAllocationProblem(a.pairs, a.supplies, a.demands).pairs).toHaveLength(2_000);
  });

  it('reports plan ≥ greedy and plan ≤ naive', async () => {
    const result = await benchAllocation(2_000, 1);
    expect(result.status).toBe('optimal');
    expect(result.planCo2).toBeGreaterThanOrEqual(result.greedyCo2);
    expect(result.planCo2).toBeLessThanOrEqual(result.naiveCo2);
    expect(result.solveMs).toBeGreaterThanOrEqual(0);
    expect(result.greedyMs).toBeGreaterThanOrEqual(0);
  });
});
