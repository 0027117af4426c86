import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { APP_CONFIG, AppConfig, JobHandler, JobName, JobPayloads, JobQueue } from '@symbiose/core';
import { findDirtyStreams, MatchingService, MatchRunsService } from '@symbiose/domain';
import { Job } from 'bullmq';
import { DataSource } from 'typeorm';

const SWEEP_BATCH = 5000;

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

  @JobHandler(JobName.MatchStream)
  async matchStream(payload: JobPayloads[JobName.MatchStream]) {
    return this.matching.matchStream(payload.streamId);
  }

  /**
   * The outbox relay: re-enqueues every stream whose matches lag its version. Its job ids carry the
   * sweep slot, so a stream whose earlier job failed for good is still retried.
   */
  @JobHandler(JobName.SweepDirtyStreams)
  async sweepDirtyStreams() {
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
    return { enqueued: dirty.length };
  }

  @JobHandler(JobName.MatchRun)
  async matchRun(payload: JobPayloads[JobName.MatchRun], job: Job) {
    try {
      return await this.runs.execute(payload.runId);
    } catch (err) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1))
        await this.runs.fail(payload.runId, (err as Error).message);
      throw err;
    }
  }
}
