import { ALLOCATE_REGION_DEBOUNCE, JobName, JobQueue } from '@symbiose/core';

/**
 * Asks for the region-wide allocation plan to be recomputed once matching has settled: enqueues the
 * debounced `allocate-region` job (see ALLOCATE_REGION_DEBOUNCE: many requests within the debounce
 * window become one solve). Best effort: with Redis down it logs and returns false, and the worker's
 * periodic allocation check catches up. Call it after a commit that changes which matches qualify or
 * their numbers (matching writes, a full re-match, a workflow transition that declines, rejects,
 * expires or closes a match).
 */
export function requestAllocation(queue: JobQueue | null | undefined): Promise<boolean> {
  if (!queue) return Promise.resolve(false);
  const { delay, deduplication } = ALLOCATE_REGION_DEBOUNCE;
  return queue.addBestEffort(
    JobName.AllocateRegion,
    { requestedAt: new Date().toISOString() },
    { delay, deduplication: { ...deduplication } },
  );
}
