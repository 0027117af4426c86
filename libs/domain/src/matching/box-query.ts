import type KDBush from 'kdbush';

/**
 * kdbush's `range` without its result array, reporting positions: what it finds inside a box are the
 * items' positions in the index's own sorted order (`index.ids[position]` is the id), in one reusable
 * typed array. A full re-match runs a box query per stream and reads tens of millions of them (a fresh
 * array per query was a tenth of the run in the garbage collector), and keeps its items' data in the
 * index's order, so the items of a box are a few runs of neighbouring memory (the index's leaves)
 * rather than spread over its arrays. Same traversal as kdbush 4's `range`.
 */
export class BoxQuery {
  /** The positions found by the last `run`, in `found[0..count)`. */
  found = new Int32Array(1024);
  private readonly stack = new Int32Array(3 * 2 * 64);

  /** Finds the items of a finished index inside [minX, maxX] × [minY, maxY]; returns how many. */
  run(index: KDBush, minX: number, minY: number, maxX: number, maxY: number): number {
    const { ids, coords, nodeSize } = index;
    const stack = this.stack;
    let out = this.found;
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
          if (x >= minX && x <= maxX && y >= minY && y <= maxY) out[count++] = i;
        }
        continue;
      }
      const m = (left + right) >> 1;
      const x = coords[2 * m];
      const y = coords[2 * m + 1];
      if (x >= minX && x <= maxX && y >= minY && y <= maxY) {
        if (count === out.length) out = this.grow(count + 1);
        out[count++] = m;
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
    let size = this.found.length * 2;
    while (size < atLeast) size *= 2;
    const next = new Int32Array(size);
    next.set(this.found);
    this.found = next;
    return next;
  }
}
