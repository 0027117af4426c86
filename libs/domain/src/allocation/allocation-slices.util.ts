/**
 * Cooperative slicing for the long loops of the region-wide allocation that stay on the main thread
 * (reading 3.5 M pairs, hashing them, encoding them for the solve thread, decoding the plan): they run
 * in slices of a few milliseconds and give the event loop back in between, so BullMQ can renew job
 * locks and the other queue's jobs keep running.
 */

/** Longest stretch of synchronous work between two yields. */
export const ALLOCATION_SLICE_MS = 15;

/** How many iterations run between two clock reads (reading the clock per row would cost more than the row). */
const CHECK_EVERY = 1024;

/** Resolves after the event loop has run its pending timers and I/O (setImmediate runs after the poll phase). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Returns `tick(i)`: call it once per iteration; every `checkEvery` iterations it checks the clock and,
 * when the slice is spent, returns a promise to await (otherwise null, so the hot loop stays sync).
 */
export function sliceTicker(
  checkEvery = CHECK_EVERY,
  sliceMs = ALLOCATION_SLICE_MS,
): (i: number) => Promise<void> | null {
  let sliceStart = performance.now();
  return (i: number) => {
    if (i % checkEvery !== 0 || performance.now() - sliceStart < sliceMs) return null;
    return yieldToEventLoop().then(() => {
      sliceStart = performance.now();
    });
  };
}
