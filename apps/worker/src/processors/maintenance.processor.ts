import { Injectable, Logger } from '@nestjs/common';
import { JobHandler, JobName } from '@symbiose/core';
import { StreamsService } from '@symbiose/domain';

@Injectable()
export class MaintenanceProcessor {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(private readonly streams: StreamsService) {}

  /**
   * Daily: streams whose availability ended are expired (a version bump, then re-matched like any
   * change), and idempotency keys past their 24 h life are purged.
   */
  @JobHandler(JobName.ExpireStreams)
  async expireStreams() {
    const now = new Date();
    const expired = await this.streams.expireDue(now);
    const purged = await this.streams.purgeIdempotencyKeys(now);
    if (expired.length || purged)
      this.logger.log(`expired ${expired.length} streams, purged ${purged} idempotency keys`);
    return { expired: expired.length, purgedIdempotencyKeys: purged };
  }
}
