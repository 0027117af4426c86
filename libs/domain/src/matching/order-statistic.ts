/**
 * Order statistics over arrays of ceilings: a matcher orders its candidates by their score ceilings to
 * score the likeliest first, and needs one rank of that order, not the whole order.
 */

/** The m-th largest of a[0..n) (1 ≤ m ≤ n); reorders a. Hoare-style quickselect. */
export function mthLargest(a: Float64Array, n: number, m: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = m - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

/**
 * The m-th largest of `values` (1 ≤ m ≤ length) as an ascending TypedArray sort ranks them, NaN above
 * everything: `values.slice().sort()[length - m]`, without sorting (a heat stream's 3,600 ceilings took
 * most of its scoring's time in that sort). Leaves `values` unchanged.
 */
export function mthLargestOf(values: Float64Array, m: number): number {
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== values[i]) return values.slice().sort()[values.length - m];
  }
  return mthLargest(values.slice(), values.length, m);
}
