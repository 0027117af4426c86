/**
 * "Idle" before a measurement: no matching job waiting or running, and no maintenance job running.
 * Every matching write requests a debounced region-wide allocation (`allocate-region`, 5 s later, on
 * the maintenance queue, concurrency 1); on a region of this size that solve is long and would run in
 * the middle of the next measurement (or hold up a match-run behind it). Scenario 7 measures the
 * allocation kernel, so pending allocate-region jobs of the bench queue are removed here.
 */
import { QueueName } from '@symbiose/core';
import type { BenchServices } from './services';
import { sleep } from './stats';

export interface QuiesceReport {
  removedAllocations: number;
  waitedMs: number;
  stillBusy: string[];
}

export async function quiesce(services: BenchServices, timeoutMs = 120_000): Promise<QuiesceReport> {
  const started = Date.now();
  const maintenance = services.queue(QueueName.Maintenance);
  const matching = services.queue(QueueName.Matching);
  let removedAllocations = 0;
  for (;;) {
    for (const job of await maintenance.getJobs(['delayed', 'waiting', 'prioritized'])) {
      if (job?.name === 'allocate-region') {
        await job.remove().catch(() => undefined);
        removedAllocations++;
      }
    }
    const m = await matching.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    const activeMaintenance = await maintenance.getJobs(['active']);
    const busy = [
      ...Object.entries(m)
        .filter(([, n]) => n > 0)
        .map(([state, n]) => `${n} matching job(s) ${state}`),
      ...activeMaintenance.filter(Boolean).map((j) => `${j.name} running`),
    ];
    if (busy.length === 0) return { removedAllocations, waitedMs: Date.now() - started, stillBusy: [] };
    if (Date.now() - started > timeoutMs)
      return { removedAllocations, waitedMs: Date.now() - started, stillBusy: busy };
    await sleep(200);
  }
}
