import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/**
 * One full garbage collection now, without starting Node with --expose-gc: the flag is set at run time
 * and a new context receives V8's gc function. For the end of work that leaves gigabytes of garbage
 * (a full re-match), so the jobs after it do not pay for the collection. Returns false when the
 * runtime refuses.
 */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const fn: unknown = runInNewContext('gc');
      gc = typeof fn === 'function' ? (fn as () => void) : null;
    } catch {
      gc = null;
    }
  }
  gc?.();
  return gc !== null;
}
