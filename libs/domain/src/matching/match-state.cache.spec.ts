import { cellsNearestFirst } from './match-state.cache';
import { MatchableStream } from './matching.types';

describe('cellsNearestFirst', () => {
  // Cell keys are row + col × 4000 (match-state.cache's ROWS).
  const key = (col: number, row: number) => col * 4000 + row;
  const size = 0.1;
  const [col, row] = [1838, 1411];
  // A stream at the centre of cell (col, row), at about 51° N: a degree of longitude is 0.63 of one of latitude.
  const at = (lat: number, lon: number) => ({ site: { latitude: lat, longitude: lon } }) as MatchableStream;
  const centre = at((row + 0.5) * size - 90, (col + 0.5) * size - 180);

  it("gives the stream's own cell first, then its east and west neighbours, north and south, the corners last", () => {
    const order = cellsNearestFirst(centre, col - 1, col + 1, row - 1, row + 1, size);
    // Cells at the same distance come in either order (the centre is a float a hair off).
    const sorted = (keys: number[]) => [...keys].sort((a, b) => a - b);
    expect(order[0]).toBe(key(col, row));
    expect(sorted(order.slice(1, 3))).toEqual(sorted([key(col - 1, row), key(col + 1, row)]));
    expect(sorted(order.slice(3, 5))).toEqual(sorted([key(col, row - 1), key(col, row + 1)]));
    expect(sorted(order.slice(5))).toEqual(
      sorted([key(col - 1, row - 1), key(col - 1, row + 1), key(col + 1, row - 1), key(col + 1, row + 1)]),
    );
  });

  it('keeps every cell of the box once, the nearest first, from a stream off the centre', () => {
    const s = at((row + 0.9) * size - 90, (col + 0.1) * size - 180);
    const order = cellsNearestFirst(s, col - 2, col + 2, row - 2, row + 2, size);
    expect(new Set(order).size).toBe(25);
    expect(order[0]).toBe(key(col, row));
    expect([...order.slice(1, 3)].sort((a, b) => a - b)).toEqual(
      [key(col - 1, row), key(col, row + 1)].sort((a, b) => a - b),
    );
    expect(order[24]).toBe(key(col + 2, row - 2));
  });

  it('leaves a box of more than 400 cells column by column', () => {
    const order = cellsNearestFirst(centre, col - 10, col + 10, row - 10, row + 10, size);
    expect(order).toHaveLength(441);
    expect(order.slice(0, 2)).toEqual([key(col - 10, row - 10), key(col - 10, row - 9)]);
  });
});
