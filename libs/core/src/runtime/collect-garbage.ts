import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFunction = (options?: { type?: 'major' | 'minor' }) => void;
let gc: GcFunction | null | undefined;

/** V8's gc function, without starting Node with --expose-gc: the flag is set at run time and a new context receives it. */
function gcFunction(): GcFunction | null {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const fn: unknown = runInNewContext('gc');
      gc = typeof fn === 'function' ? (fn as GcFunction) : null;
    } catch {
      gc = null;
    }
  }
  return gc;
}

/**
 * One full garbage collection now. For the end of work that leaves gigabytes of garbage (a full
 * re-match), so the jobs after it do not pay for the collection. Returns false when the runtime
 * refuses.
 */
export function collectGarbage(): boolean {
  const fn = gcFunction();
  fn?.();
  return fn !== null;
}

/**
 * A young-generation collection now, between two pieces of work, when the young generation is at least
 * `share` full: the collection that the next piece of work would otherwise trigger part-way through
 * (in the matching worker each costs 1–8 ms, whatever it frees, as the state of every stream lives in
 * the old generation). Returns true when it collected.
 */
export function scavengeIfFilled(share: number): boolean {
  const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  if (!young) return false;
  const capacity = young.space_used_size + young.space_available_size;
  if (capacity <= 0 || young.space_used_size < share * capacity) return false;
  const fn = gcFunction();
  fn?.({ type: 'minor' });
  return fn !== null;
}
