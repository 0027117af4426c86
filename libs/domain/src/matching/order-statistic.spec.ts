import fc from 'fast-check';
import { mthLargest, mthLargestOf } from './order-statistic';

/** What the matcher took before: the ascending TypedArray sort (NaN last) at length - m. */
const bySort = (values: Float64Array, m: number) => values.slice().sort()[values.length - m];
const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

describe('order statistics of ceilings', () => {
  it.each([
    [[3, 1, 2], 1, 3],
    [[3, 1, 2], 3, 1],
    [[5, 5, 5, 1], 3, 5],
    [[-Infinity, 2, -Infinity, 7], 3, -Infinity],
    [[0.5, Infinity, -1], 1, Infinity],
  ])('mthLargest(%j, m = %i) = %d', (values, m, expected) => {
    expect(mthLargest(Float64Array.from(values), values.length, m)).toBe(expected);
  });

  it('mthLargestOf is the sorted array at length - m, NaN ranked above everything, and leaves the values alone', () => {
    const value = fc.oneof(
      { arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }), weight: 6 },
      { arbitrary: fc.constantFrom(0, 1, 2, -Infinity, Infinity), weight: 3 },
      { arbitrary: fc.constant(Number.NaN), weight: 1 },
    );
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (list, at) => {
          const values = Float64Array.from(list);
          const before = values.slice();
          const m = 1 + Math.min(values.length - 1, Math.floor(at * values.length));
          expect(same(mthLargestOf(values, m), bySort(values, m))).toBe(true);
          expect(values).toEqual(before);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
