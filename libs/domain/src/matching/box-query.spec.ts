import fc from 'fast-check';
import KDBush from 'kdbush';
import { BoxQuery } from './box-query';

describe('BoxQuery', () => {
  it('finds exactly what kdbush range finds, also past its initial capacity', () => {
    const point = fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }));
    fc.assert(
      fc.property(
        fc.array(point, { maxLength: 3000 }),
        fc.array(fc.tuple(point, point), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(2, 16, 64),
        (points, boxes, nodeSize) => {
          const index = new KDBush(points.length, nodeSize);
          for (const [x, y] of points) index.add(x, y);
          index.finish();
          const query = new BoxQuery();
          for (const [[x1, y1], [x2, y2]] of boxes) {
            const box = [Math.min(x1, x2), Math.min(y1, y2), Math.max(x1, x2), Math.max(y1, y2)] as const;
            const expected = index.range(...box).sort((a, b) => a - b);
            // Positions in the index's order: the ids at those positions, each point inside the box.
            const m = query.run(index, ...box);
            const positions = [...query.found.subarray(0, m)];
            expect(positions.map((at) => index.ids[at]).sort((a, b) => a - b)).toEqual(expected);
            for (const at of positions) {
              const [x, y] = points[index.ids[at]];
              expect([index.coords[2 * at], index.coords[2 * at + 1]]).toEqual([x, y]);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('hand case: the whole plane finds every id once; an empty index finds none', () => {
    const index = new KDBush(5000, 4);
    for (let i = 0; i < 5000; i++) index.add(i % 70, Math.floor(i / 70));
    index.finish();
    const query = new BoxQuery();
    const n = query.run(index, -1, -1, 1000, 1000);
    expect(n).toBe(5000);
    expect(new Set(query.found.subarray(0, n)).size).toBe(5000);
    expect(query.run(index, 10.5, 10.5, 10.9, 10.9)).toBe(0);
    const empty = new KDBush(0);
    empty.finish();
    expect(query.run(empty, 0, 0, 1, 1)).toBe(0);
  });
});
