import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { JobHandler, JobName, JobQueue } from '@symbiose/core';
import { expireDueStreams } from '@symbiose/domain';
import { DataSource } from 'typeorm';

@Injectable()
export class MaintenanceProcessor {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly queue: JobQueue,
  ) {}

  /** Streams whose availability ended are expired (a version bump), then re-matched like any change. */
  @JobHandler(JobName.ExpireStreams)
  async expireStreams() {
    const expired = await expireDueStreams(this.db, new Date());
    if (expired.length) this.logger.log(`expired ${expired.length} streams`);
    await this.queue.addBulk(JobName.MatchStream, expired);
    return { expired: expired.length };
  }
}
