import fc from 'fast-check';
import { compareRank, pairKey, RankKey, selectKeptPairs, topK } from './pair-ranking';

const key = (score: number, supplyId: string, demandId: string, energy = 0, routeKm = 0): RankKey => ({
  score,
  energy,
  routeKm,
  supplyId,
  demandId,
});

describe('compareRank', () => {
  it.each([
    ['higher net CO2 first', key(10, 'a', 'b'), key(5, 'a', 'c'), -1],
    ['then higher energy', key(5, 'a', 'b', 9), key(5, 'a', 'c', 3), -1],
    ['then shorter route', key(5, 'a', 'b', 3, 2), key(5, 'a', 'c', 3, 7), -1],
    ['then supply id', key(5, 'a', 'z', 3, 2), key(5, 'b', 'c', 3, 2), -1],
    ['then demand id', key(5, 'a', 'c', 3, 2), key(5, 'a', 'd', 3, 2), -1],
  ])('%s', (_label, a, b, sign) => {
    expect(Math.sign(compareRank(a, b)) + 0).toBe(sign);
    expect(Math.sign(compareRank(b, a)) + 0).toBe(-sign + 0);
  });

  it('is a total order (antisymmetric, transitive)', () => {
    const arb = fc.record({
      score: fc.integer({ min: 0, max: 3 }),
      energy: fc.integer({ min: 0, max: 3 }),
      routeKm: fc.integer({ min: 0, max: 3 }),
      supplyId: fc.constantFrom('a', 'b'),
      demandId: fc.constantFrom('c', 'd'),
    });
    fc.assert(
      fc.property(arb, arb, arb, (a, b, c) => {
        expect(Math.sign(compareRank(a, b)) + 0).toBe(-Math.sign(compareRank(b, a)) + 0);
        if (compareRank(a, b) <= 0 && compareRank(b, c) <= 0)
          expect(compareRank(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe('selectKeptPairs', () => {
  it('keeps a pair in the top K of either side (hand example, K = 1)', () => {
    // s1 is best for both d1 and d2; s2's only pair (s2,d1) is its own best even though d1 prefers s1.
    const pairs = [key(10, 's1', 'd1'), key(8, 's1', 'd2'), key(3, 's2', 'd1')];
    expect([...selectKeptPairs(pairs, 1)].sort()).toEqual(
      [pairKey('s1', 'd1'), pairKey('s1', 'd2'), pairKey('s2', 'd1')].sort(),
    );
  });

  it('drops a pair that is in neither top K', () => {
    // K = 1: s1's best is d1 (10); d2's best is s2 (9); so (s1,d2)=8 is in neither list.
    const pairs = [key(10, 's1', 'd1'), key(8, 's1', 'd2'), key(9, 's2', 'd2')];
    expect(selectKeptPairs(pairs, 1).has(pairKey('s1', 'd2'))).toBe(false);
  });

  it('topK equals sort-then-slice', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 10 }),
        (scores, k) => {
          const list = scores.map((s, i) => key(s, `s${i}`, 'd'));
          expect(topK(list, k)).toEqual([...list].sort(compareRank).slice(0, k));
        },
      ),
    );
  });
});
