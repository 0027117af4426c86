import fc from 'fast-check';
import { compareRank, RankKey } from './pair-ranking';
import {
  categoryFloorsJson,
  rankedRowsOf,
  floorsExcluding,
  floorsOfList,
  parseStoredFloors,
  storedFloorsJson,
} from './rank-floors';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** categoryFloorsJson gives each stream the floors of its own pairs sorted (floorsOfList). */
function expectEachStreamsFloors(streamIds: string[], stored: RankKey[], k: number): void {
  const expected = streamIds.map((stream) =>
    storedFloorsJson(
      floorsOfList(stored.filter((p) => p.supplyId === stream || p.demandId === stream).sort(compareRank), k),
    ),
  );
  expect(categoryFloorsJson(streamIds, rankedRowsOf(stored), k)).toEqual(expected);
}

/** Distinct pairs of one counterpart (demand D), with few distinct scores so ties reach the id tiebreak. */
const arbList = fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 12 }).chain((supplies) =>
  fc.tuple(
    ...supplies.map((s) =>
      fc.record({
        score: fc.constantFrom(1, 2, 3),
        energy: fc.constantFrom(0, 5),
        routeKm: fc.constantFrom(1, 2),
        supplyId: fc.constant(id(s)),
        demandId: fc.constant(id(999)),
      }),
    ),
  ),
);

describe('stored rank floors', () => {
  it('hand-checked: K = 3, the pair leaving from rank 1 moves ranks 3 and 4 up', () => {
    const list: RankKey[] = [5, 4, 3, 2, 1].map((score, i) => ({
      score,
      energy: 0,
      routeKm: 1,
      supplyId: id(i),
      demandId: id(999),
    }));
    const f = floorsOfList(list, 3);
    expect(f.keys.map((k) => k.score)).toEqual([4, 3, 2]); // ranks 2, 3, 4
    expect(floorsExcluding(f, 3, list[0])).toEqual({ kMinus1: list[2], k: list[3] });
    expect(floorsExcluding(f, 3, list[2])).toEqual({ kMinus1: list[1], k: list[3] });
    expect(floorsExcluding(f, 3, list[4])).toEqual({ kMinus1: list[1], k: list[2] });
    expect(floorsExcluding(f, 3, null)).toEqual({ kMinus1: list[1], k: list[2] });
    expect(floorsExcluding(f, 4, null)).toBeNull(); // taken for another K
  });

  it('equals the SQL definition for every K, list and leaving pair (brute force)', () => {
    fc.assert(
      fc.property(
        arbList,
        fc.integer({ min: 1, max: 6 }),
        fc.nat(),
        fc.boolean(),
        (list, k, pick, withOld) => {
          const sorted = [...list].sort(compareRank);
          const old = withOld && sorted.length > 0 ? sorted[pick % sorted.length] : null;
          // Through the column's JSON, as the worker reads it.
          const stored = parseStoredFloors(JSON.parse(storedFloorsJson(floorsOfList(sorted, k))));
          expect(stored).not.toBeNull();
          const without = old ? sorted.filter((p) => p !== old) : sorted;
          const expected = { kMinus1: k >= 2 ? without[k - 2] : undefined, k: without[k - 1] };
          expect(floorsExcluding(stored!, k, old)).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects malformed column values', () => {
    expect(parseStoredFloors(null)).toBeNull();
    expect(parseStoredFloors({ k: 3 })).toBeNull();
    expect(parseStoredFloors({ k: 3, keys: [['a', 'b', 1, 2]] })).toBeNull();
    expect(parseStoredFloors({ k: 3, keys: [['a', 'b', '1', 2, 3]] })).toBeNull();
    expect(parseStoredFloors({ k: 3, keys: [] })).toEqual({ k: 3, keys: [] });
  });

  it("a category's floors are each stream's floorsOfList over its own pairs, ties included", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 10, max: 19 })), {
          selector: ([s, d]) => `${s}-${d}`,
          maxLength: 80,
        }),
        fc.array(fc.constantFrom(1, 2, 3)),
        fc.integer({ min: 1, max: 6 }),
        (pairs, scores, k) => {
          const stored: RankKey[] = pairs.map(([s, d], i) => ({
            score: scores[i % Math.max(1, scores.length)] ?? 1,
            energy: (s + d) % 2,
            routeKm: 1,
            supplyId: id(s),
            demandId: id(d),
          }));
          // Streams 0 … 21: two of them (20, 21) with no pairs, and one pair's stream (9) left out.
          const streamIds = Array.from({ length: 22 }, (_, i) => id(i)).filter((x) => x !== id(9));
          expectEachStreamsFloors(streamIds, stored, k);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a category's floors hold for long lists too (hundreds of pairs per stream, K deep in them)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 10, max: 209 })), {
          selector: ([s, d]) => `${s}-${d}`,
          minLength: 100,
          maxLength: 500,
        }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1 }),
        fc.integer({ min: 1, max: 120 }),
        (pairs, scores, k) => {
          const stored: RankKey[] = pairs.map(([s, d], i) => ({
            score: scores[i % scores.length] / 4,
            energy: d % 3,
            routeKm: (s * d) % 5,
            supplyId: id(s),
            demandId: id(d),
          }));
          const streamIds = [0, 1, 2, 10, 11].map(id);
          expectEachStreamsFloors(streamIds, stored, k);
        },
      ),
      { numRuns: 300 },
    );
  });
});
