import type KDBush from 'kdbush';

/**
 * kdbush's `range` without its result array: the ids inside a box go into one reusable typed array.
 * A full re-match runs a box query per stream and reads tens of millions of ids; a fresh array per
 * query was a tenth of the run in the garbage collector. Same traversal as kdbush 4's `range`.
 *
 * With `positions`, what it finds are the items' positions in the index's own sorted order (where
 * `index.ids[position]` is the id) instead of their ids: a caller that keeps its items' data in that
 * order reads the items of a box from a few runs of neighbouring memory (the index's leaves) rather
 * than from all over its arrays.
 */
export class BoxQuery {
  /** The ids (or positions) found by the last `run`, in `ids[0..count)`. */
  ids = new Int32Array(1024);
  private readonly stack = new Int32Array(3 * 2 * 64);

  constructor(private readonly positions = false) {}

  /** Finds the items of a finished index inside [minX, maxX] × [minY, maxY]; returns how many. */
  run(index: KDBush, minX: number, minY: number, maxX: number, maxY: number): number {
    const { ids, coords, nodeSize } = index;
    const byPosition = this.positions;
    const stack = this.stack;
    let out = this.ids;
    let count = 0;
    if (ids.length === 0) return 0;
    stack[0] = 0;
    stack[1] = ids.length - 1;
    stack[2] = 0;
    let sp = 3;
    while (sp > 0) {
      const axis = stack[--sp];
      const right = stack[--sp];
      const left = stack[--sp];
      if (right - left <= nodeSize) {
        if (count + right - left + 1 > out.length) out = this.grow(count + right - left + 1);
        for (let i = left; i <= right; i++) {
          const x = coords[2 * i];
          const y = coords[2 * i + 1];
          if (x >= minX && x <= maxX && y >= minY && y <= maxY) out[count++] = byPosition ? i : ids[i];
        }
        continue;
      }
      const m = (left + right) >> 1;
      const x = coords[2 * m];
      const y = coords[2 * m + 1];
      if (x >= minX && x <= maxX && y >= minY && y <= maxY) {
        if (count === out.length) out = this.grow(count + 1);
        out[count++] = byPosition ? m : ids[m];
      }
      if (axis === 0 ? minX <= x : minY <= y) {
        stack[sp++] = left;
        stack[sp++] = m - 1;
        stack[sp++] = 1 - axis;
      }
      if (axis === 0 ? maxX >= x : maxY >= y) {
        stack[sp++] = m + 1;
        stack[sp++] = right;
        stack[sp++] = 1 - axis;
      }
    }
    return count;
  }

  private grow(atLeast: number): Int32Array<ArrayBuffer> {
    let size = this.ids.length * 2;
    while (size < atLeast) size *= 2;
    const next = new Int32Array(size);
    next.set(this.ids);
    this.ids = next;
    return next;
  }
}
