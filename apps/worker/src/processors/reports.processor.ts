import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { JobHandler, JobName, JobPayloads, JobQueue, QueueName } from '@symbiose/core';
import { REGION_TIME_ZONE, ReportSummaryService } from '@symbiose/domain';
import { DataSource } from 'typeorm';

/** Daily, shortly after midnight in the region (a new month's approved-basis horizon is advanced first). */
export const SUMMARY_CHECK_SCHEDULE = { pattern: '20 0 * * *', tz: REGION_TIME_ZONE } as const;

/**
 * The reports' summary check: rebuilds every summary table from raw rows, records the drift in
 * report_summary_checks (and logs it) and repairs it. Runs daily and on request
 * (POST /api/v1/reports/summary-checks).
 */
@Injectable()
export class ReportsProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(ReportsProcessor.name);
  /** Needs only the DataSource; built here so the worker module stays as it is. */
  private readonly summaries: ReportSummaryService;

  constructor(
    @InjectDataSource() db: DataSource,
    private readonly queue: JobQueue,
  ) {
    this.summaries = new ReportSummaryService(db);
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.queue
        .queue(QueueName.Maintenance)
        .upsertJobScheduler('check-report-summaries', SUMMARY_CHECK_SCHEDULE, {
          name: JobName.CheckReportSummaries,
          data: {},
        });
    } catch (err) {
      this.logger.warn(`could not schedule the daily summary check: ${(err as Error).message}`);
    }
  }

  @JobHandler(JobName.CheckReportSummaries)
  async checkSummaries(payload: JobPayloads[JobName.CheckReportSummaries]) {
    const result = await this.summaries.check({ checkId: payload.checkId });
    return { checkId: result.checkId, status: result.status, repaired: result.repaired, drift: result.drift };
  }
}
