import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { JobHandler, JobName, JobPayloads, JobQueue, QueueName, waitForReady } from '@symbiose/core';
import { recomputeAllocation, requestAllocation } from '@symbiose/domain';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';

/**
 * Safety net besides the debounced requests after matching: a periodic allocate-region that only
 * solves when the input changed (e.g. a workflow transition that declined or closed a match).
 */
export const ALLOCATION_CHECK_INTERVAL_MS = 10 * 60_000;

/**
 * A region whose plan took at least ALLOCATION_THROTTLE_MIN_MS to load and solve is re-solved on
 * request at most once per ALLOCATION_THROTTLE_FACTOR such durations: at 100,000 streams one solve is
 * 31 s of loading and 46 s of LP, and every matching write requests one (5 s debounce), so without
 * this the worker would spend its CPU re-solving. A skipped request is caught by the periodic check,
 * which is never throttled. Small regions (sub-second solves) are not affected.
 */
export const ALLOCATION_THROTTLE_MIN_MS = 10_000;
export const ALLOCATION_THROTTLE_FACTOR = 10;

@Injectable()
export class AllocationProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(AllocationProcessor.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly queue: JobQueue,
  ) {}

  /**
   * The region-wide allocation plan: an LP over every stored qualifying match, solved with HiGHS and
   * stored with its greedy and naive comparisons. Debounced by the producer (requestAllocation);
   * idempotent (an unchanged input writes nothing); serialized across workers by an advisory lock.
   */
  @JobHandler(JobName.AllocateRegion)
  async allocateRegion(payload: JobPayloads[JobName.AllocateRegion], job?: Job) {
    // A periodic check's payload is its scheduler's template: the request is the run itself.
    const periodic = !!job?.repeatJobKey;
    const requestedAt = periodic ? new Date().toISOString() : payload.requestedAt;
    if (!periodic) {
      const waitMs = await this.throttledForMs();
      if (waitMs > 0) {
        this.logger.log(
          `allocation request skipped: the latest plan took long to solve; the periodic check (or a request ` +
            `in ${Math.ceil(waitMs / 1000)} s) recomputes it`,
        );
        return { throttled: true, waitMs };
      }
    }
    const result = await recomputeAllocation(this.db, { requestedAt });
    if (result.busy) {
      // Another worker is solving; it may have read its input before this request's change, so ask
      // again (debounced) rather than wait here and hold up this worker's maintenance queue.
      await requestAllocation(this.queue);
      this.logger.log('allocation in progress on another worker; re-requested');
    } else if (result.unchanged) {
      this.logger.log(`allocation unchanged (${result.pairs} pairs, plan ${result.planId}); nothing written`);
    } else {
      this.logger.log(
        `allocation plan ${result.planId}: ${result.pairs} pairs (${result.excluded} excluded), ` +
          `${result.items} allocated, status ${result.status}; CO2 plan ${result.planCo2} t/yr, ` +
          `greedy ${result.greedyCo2}, naive ${result.naiveCo2}; load ${result.loadMs} ms, ` +
          `solve ${result.solveMs} ms, write ${result.writeMs} ms; ${result.pruned} old plans pruned`,
      );
    }
    return result;
  }

  /** How long a request must still wait after the latest slow plan; 0 when it may solve now. */
  private async throttledForMs(): Promise<number> {
    const [latest] = (await this.db.query(
      `SELECT extract(epoch FROM now() - created_at) * 1000 AS age_ms,
         coalesce((solver->>'loadMs')::float8, 0) + coalesce((solver->>'totalSolveMs')::float8, 0) AS took_ms
       FROM allocation_plans ORDER BY created_at DESC, id DESC LIMIT 1`,
    )) as { age_ms: number; took_ms: number }[];
    if (!latest || latest.took_ms < ALLOCATION_THROTTLE_MIN_MS) return 0;
    return Math.max(0, ALLOCATION_THROTTLE_FACTOR * latest.took_ms - latest.age_ms);
  }

  /**
   * Registers the periodic check (best effort: a worker without Redis fails elsewhere, loudly), and
   * again whenever the producer connection comes back (a Redis restarted without persistence has
   * lost its schedulers). With `every`, BullMQ also runs the check at once: a catch-up at boot.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await waitForReady(this.queue.connection, 10_000);
      await this.schedule();
    } catch (err) {
      this.logger.warn(`periodic allocation check not scheduled: ${(err as Error).message}`);
    }
    this.queue.connection.on('ready', () => {
      this.schedule().catch((err: Error) => this.logger.warn(`reschedule allocation check: ${err.message}`));
    });
  }

  private async schedule(): Promise<void> {
    await this.queue
      .queue(QueueName.Maintenance)
      .upsertJobScheduler(
        'allocate-region-check',
        { every: ALLOCATION_CHECK_INTERVAL_MS },
        { name: JobName.AllocateRegion, data: { requestedAt: new Date().toISOString() } },
      );
  }
}
