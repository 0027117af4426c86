import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  APP_CONFIG,
  AppConfig,
  JobHandler,
  JobName,
  JobPayloads,
  JobQueue,
  scavengeIfFilled,
} from '@symbiose/core';
import {
  deliverQueuedProposals,
  findDirtyStreams,
  MatchingService,
  MatchRunsService,
  requestProposalDelivery,
  validateMatchesReferences,
} from '@symbiose/domain';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';

const SWEEP_BATCH = 5000;
/** A stream job allocates a few MB at most: past this share of the young generation, collect after it. */
const YOUNG_GENERATION_SHARE = 0.25;
/** A worker with no stream job this long after one ended is waiting for the next (BullMQ hands it over at once). */
const IDLE_AFTER_MS = 3;

@Injectable()
export class MatchingProcessor {
  private readonly logger = new Logger(MatchingProcessor.name);

  constructor(
    private readonly matching: MatchingService,
    private readonly runs: MatchRunsService,
    private readonly queue: JobQueue,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Stream jobs in progress in this process. */
  private streamJobs = 0;

  @JobHandler(JobName.MatchStream)
  async matchStream(payload: JobPayloads[JobName.MatchStream]) {
    this.streamJobs++;
    try {
      const result = await this.matching.matchStream(payload.streamId);
      await this.announceProposals();
      return result;
    } finally {
      this.streamJobs--;
      // While the worker waits for the next job rather than part-way through its scoring; not between the
      // jobs of a burst (the next one has started by then), where it would only collect more often.
      setTimeout(() => {
        if (this.streamJobs === 0) scavengeIfFilled(YOUNG_GENERATION_SHARE);
      }, IDLE_AFTER_MS);
    }
  }

  /**
   * The job's new proposals were queued in match_proposal_outbox by its write: announce them soon,
   * once for the whole burst of jobs (the digest would otherwise run after every job, beside the first
   * reads of its matches), or right away when the delay is 0 or Redis is unreachable. A failed
   * delivery leaves them queued for the sweeper.
   */
  private async announceProposals(): Promise<void> {
    const delay = this.config.MATCH_NOTIFY_DELAY_MS;
    if (delay > 0 && (await requestProposalDelivery(this.queue, delay))) return;
    await this.deliverProposals();
  }

  @JobHandler(JobName.DeliverMatchNotifications)
  async deliverProposals(): Promise<number> {
    return deliverQueuedProposals(this.db).catch((err: Error) => {
      this.logger.warn(`match notifications left for the sweeper: ${err.message}`);
      return 0;
    });
  }

  /**
   * The outbox relay: re-enqueues every stream whose matches lag its version. Its job ids carry the
   * sweep slot, so a stream whose earlier job failed for good is still retried. It also delivers
   * match notifications a full re-match queued and did not get to deliver, validates the references
   * to matches its swap re-added unchecked (both left by a crash after its commit), and applies the
   * deferred writes of a job that died between its two transactions.
   */
  @JobHandler(JobName.SweepDirtyStreams)
  async sweepDirtyStreams() {
    // Write sets a job deferred past its first commit and did not apply (a worker that died in between).
    if (await this.matching.applyLeftPendingWrites())
      this.logger.warn('applied deferred match writes a job left');
    const dirty = await findDirtyStreams(this.db, SWEEP_BATCH, 1000);
    const slot = Math.floor(Date.now() / this.config.SWEEP_INTERVAL_MS);
    for (let i = 0; i < dirty.length; i += 500) {
      await this.queue.addBulk(JobName.MatchStream, dirty.slice(i, i + 500), {
        jobIdSuffix: `_sweep${slot}`,
      });
    }
    for (const runId of await this.runs.queuedRunIds()) {
      await this.queue.add(JobName.MatchRun, { runId });
    }
    const due = await this.runs.requestIfVersionsChanged();
    if (due) this.logger.log(`engine or factor set changed: full re-match ${due.id} requested`);
    const notified = await deliverQueuedProposals(this.db);
    const validated = await validateMatchesReferences(this.db);
    if (validated)
      this.logger.warn(`validated ${validated} references to matches a full re-match left unchecked`);
    return { enqueued: dirty.length, notified, referencesValidated: validated };
  }

  @JobHandler(JobName.MatchRun)
  async matchRun(payload: JobPayloads[JobName.MatchRun], job: Job) {
    try {
      const run = await this.runs.execute(payload.runId);
      // The run's new proposals were queued, not fanned out inside its write. A failure here must not
      // fail the finished run: the outbox keeps them and the next sweep delivers them.
      await this.deliverProposals();
      return run;
    } catch (err) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await this.runs.fail(payload.runId, (err as Error).message);
      throw err;
    }
  }
}
