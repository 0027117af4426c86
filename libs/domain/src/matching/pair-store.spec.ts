import fc from 'fast-check';
import { FLAGS } from '@symbiose/engine';
import { copyRowStarts } from './binary-copy.reader';
import type { ScoredPair } from './matching.types';
import { newPairsCopy, storedPairsCopy } from './pair-columns';
import {
  allSlots,
  AT_SCORE,
  BYTE_CATEGORY,
  BYTE_MODE,
  BYTE_UNIT,
  INT_DEMAND,
  INT_SUPPLY,
  PAIR_BYTES,
  PAIR_INTS,
  PAIR_NUMBERS,
  PairStore,
  storedPairsSlice,
  storedRankedRows,
} from './pair-store';
import { uuidV7Array } from './pg-binary-arrays';
import { categoryFloorsJson, rankedRowsOf } from './rank-floors';

const uuid = (prefix: string, i: number) => `${prefix}2f3a4-7b1c-7d2e-8f30-${String(i).padStart(12, '0')}`;

const pairArb: fc.Arbitrary<ScoredPair> = fc.record({
  supplyId: fc.integer({ min: 0, max: 5 }).map((i) => uuid('019', i)),
  demandId: fc.integer({ min: 0, max: 5 }).map((i) => uuid('119', i)),
  category: fc.constantFrom('heat', 'co2', 'material'),
  score: fc.double({ noNaN: true }),
  energy: fc.double({ noNaN: true }),
  routeKm: fc.double({ min: 0, max: 500, noNaN: true }),
  distanceKm: fc.double({ min: 0, max: 500, noNaN: true }),
  exchanged: fc.double({ min: 0, max: 1e9, noNaN: true }),
  exchangedUnit: fc.constantFrom('MWh/yr', 't/yr'),
  mode: fc.constantFrom('pipeline', 'road', 'rail', 'barge'),
  gross: fc.double({ noNaN: true }),
  deducted: fc.double({ noNaN: true }),
  flags: fc.subarray([...FLAGS]),
});

describe('PairStore', () => {
  it('gives back every pair it was made of, field for field', () => {
    fc.assert(
      fc.property(fc.array(pairArb, { maxLength: 40 }), (pairs) => {
        const stored = allSlots(PairStore.of(pairs));
        expect(stored.length).toBe(pairs.length);
        expect(storedPairsSlice(stored)).toEqual(pairs);
        expect(storedPairsSlice(stored, 1, 3)).toEqual(pairs.slice(1, 3));
      }),
    );
  });

  it('grows past its first capacity without losing a slot', () => {
    const store = new PairStore([uuid('019', 1)], [uuid('119', 1)], 2);
    for (let i = 0; i < 9; i++) {
      const slot = store.add();
      store.ints[slot * PAIR_INTS + INT_SUPPLY] = 0;
      store.ints[slot * PAIR_INTS + INT_DEMAND] = 0;
      store.bytes[slot * PAIR_BYTES + BYTE_CATEGORY] = store.categories.of('heat');
      store.bytes[slot * PAIR_BYTES + BYTE_UNIT] = store.units.of('MWh/yr');
      store.bytes[slot * PAIR_BYTES + BYTE_MODE] = store.modes.of('pipeline');
      store.numbers[slot * PAIR_NUMBERS + AT_SCORE] = i;
    }
    expect(store.size).toBe(9);
    expect(Array.from({ length: 9 }, (_, i) => store.score(i))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(store.pair(8)).toMatchObject({
      category: 'heat',
      exchangedUnit: 'MWh/yr',
      mode: 'pipeline',
      score: 8,
    });
  });

  it('rejects a flag that is not the engine’s', () => {
    const [pair] = fc.sample(pairArb, { numRuns: 1, seed: 1 });
    expect(() => PairStore.of([{ ...pair, flags: ['not_a_flag'] }])).toThrow();
  });

  it('encodes any run of slots byte for byte as newPairsCopy encodes the same pairs', () => {
    fc.assert(
      fc.property(
        fc.array(pairArb, { minLength: 1, maxLength: 30 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        (pairs, picks) => {
          // Slots in any order, some twice: what a run's kept list looks like.
          const store = PairStore.of(pairs);
          const slots = Int32Array.from(picks, (p) => p % pairs.length);
          const chosen = Array.from(slots, (s) => pairs[s]);
          const ids = uuidV7Array(slots.length, 1_700_000_000_000);
          const [data, outIds] = storedPairsCopy(
            { store, slots, length: slots.length },
            0,
            slots.length,
            ids,
          );
          expect(outIds).toBe(ids);
          const [expected, fresh] = newPairsCopy(chosen) as [Buffer, Buffer];
          // newPairsCopy makes its own ids (uuid[] element i at 24 + 20i): ours go in their place, each
          // row's first field (its length at row + 2, its bytes from row + 6).
          const patched = Buffer.from(expected);
          const rows = copyRowStarts(expected);
          rows.forEach((row, i) => {
            expect(expected.subarray(row + 6, row + 22)).toEqual(fresh.subarray(24 + 20 * i, 40 + 20 * i));
            ids.copy(patched, row + 6, 24 + 20 * i, 40 + 20 * i);
          });
          expect(data).toEqual(patched);
        },
      ),
    );
  });

  it("gives a category's floors the same as its pairs as objects, the stored ones by position", () => {
    const distinctPair = fc.uniqueArray(pairArb, {
      selector: (p) => `${p.supplyId}|${p.demandId}`,
      maxLength: 36,
    });
    fc.assert(
      fc.property(distinctPair, fc.nat(), fc.integer({ min: 1, max: 8 }), (pairs, extraCount, k) => {
        const split = pairs.length - Math.min(pairs.length, extraCount % 4);
        const store = PairStore.of(pairs.slice(0, split));
        // The kept slots out of slot order, as a run hands them over.
        const slots = Int32Array.from({ length: split }, (_, i) => split - 1 - i);
        const kept = [...slots].map((slot) => pairs[slot]);
        const extra = pairs.slice(split);
        // Every stream but one (its pairs count for its counterparts only), and one with no pairs.
        const streamIds = [...new Set(pairs.flatMap((p) => [p.supplyId, p.demandId]))].slice(1);
        streamIds.push(uuid('219', 0));
        const rows = storedRankedRows({ store, slots, length: split }, extra);
        expect(rows.sides?.supplyAt(split)).toBe(-1);
        expect(categoryFloorsJson(streamIds, rows, k)).toEqual(
          categoryFloorsJson(streamIds, rankedRowsOf([...kept, ...extra]), k),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('ranks the kept slots and the extra pairs as one list', () => {
    const pairs = fc.sample(pairArb, { numRuns: 4, seed: 7 });
    const store = PairStore.of(pairs);
    const rows = storedRankedRows({ store, slots: Int32Array.from([2, 0]), length: 2 }, [pairs[3]]);
    expect(rows.length).toBe(3);
    expect([0, 1, 2].map((i) => rows.score(i))).toEqual([pairs[2].score, pairs[0].score, pairs[3].score]);
    expect([0, 1, 2].map((i) => rows.supplyId(i))).toEqual([
      pairs[2].supplyId,
      pairs[0].supplyId,
      pairs[3].supplyId,
    ]);
    expect(rows.rankKey(1)).toEqual({
      score: pairs[0].score,
      energy: pairs[0].energy,
      routeKm: pairs[0].routeKm,
      supplyId: pairs[0].supplyId,
      demandId: pairs[0].demandId,
    });
  });
});
