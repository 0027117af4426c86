import loadHighs, { type Highs } from 'highs';

/** A loaded HiGHS runtime (the `highs` npm package: HiGHS compiled to WebAssembly). */
export type HighsInstance = Highs;

let cached: Promise<HighsInstance> | undefined;

/**
 * Loads the HiGHS WebAssembly module once per process and caches the promise (compiling the module
 * takes a few hundred milliseconds). A failed load is not cached, so a later call retries.
 */
export function loadHighsSolver(): Promise<HighsInstance> {
  if (!cached) {
    const loading = loadHighs();
    cached = loading;
    loading.catch(() => {
      if (cached === loading) cached = undefined;
    });
  }
  return cached;
}
