/** Small statistics helpers for benchmark figures. */

/** Percentile by linear interpolation between closest ranks (p in [0, 100]). NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 1) return sorted[0];
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export interface Summary {
  min: number;
  median: number;
  max: number;
  n: number;
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { min: NaN, median: NaN, max: NaN, n: 0 };
  return {
    min: Math.min(...finite),
    median: percentile(finite, 50),
    max: Math.max(...finite),
    n: finite.length,
  };
}

/** A readable number: 3 significant figures, thousands separated, no exponent for everyday sizes. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '–';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 10 ** digits) return Math.round(x).toLocaleString('en-US');
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
  return Number(x.toFixed(Math.min(decimals, 6))).toLocaleString('en-US', {
    maximumFractionDigits: Math.min(decimals, 6),
  });
}

/** Milliseconds elapsed running `fn`. */
export async function timeMs(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
