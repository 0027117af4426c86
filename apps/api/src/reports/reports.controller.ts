import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { DomainError, ErrorCode, JobName, JobQueue } from '@symbiose/core';
import { GroupKey, Principal, ReportSummaryService, ReportsService, SavingsReport } from '@symbiose/domain';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Roles } from '../auth/roles.decorator';
import { ApiAuth, ApiErrors } from '../identity/api-docs';
import { savingsCsv, savingsFileName, savingsSvg } from './report-formats';
import {
  RequestSummaryCheckDto,
  SavingsQueryDto,
  SavingsReportResponse,
  SummaryCheckResponse,
} from './reports.dto';

/**
 * Savings reports. Province users (bearer token or their BI tool's X-Api-Key) get their own region
 * only — another `region` is a 403, none means theirs — with small cells suppressed; coordinators
 * and admins see every number.
 */
@ApiTags('reports')
@ApiAuth()
@Controller('reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly summaries: ReportSummaryService,
    private readonly queue: JobQueue,
  ) {}

  @Get('savings')
  @Roles('province', 'coordinator', 'admin')
  @ApiOperation({
    summary: 'Energy saved and CO2 avoided, grouped by period, category and/or region',
    description:
      '`realised`: verified deliveries (unverified ones apart in `unverified`); `approved`: agreed annual ' +
      'estimates of approved, active and closed exchanges pro-rated to the days they ran (a running exchange ' +
      'through the current month); `potential`: the latest allocation plan pro-rated to the months its streams ' +
      'are available. `exchanges` and `companies` are distinct counts per row. For province users a ' +
      'month × category × supplier region × receiver region cell resting on fewer than 3 companies is withheld ' +
      'from every number; rows without a publishable cell are suppressed (values null) and totals are the sum ' +
      'of the published rows. `format=csv` gives the rows as RFC 4180 CSV, `format=svg` a bar chart of CO2 ' +
      'avoided per period (one bar per period).',
  })
  @ApiProduces('application/json', 'text/csv', 'image/svg+xml')
  @ApiOkResponse({ type: SavingsReportResponse })
  @ApiErrors(400, 401, 403)
  async savings(
    @CurrentPrincipal() principal: Principal,
    @Query() query: SavingsQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SavingsReport | string> {
    const input = {
      from: query.from,
      to: query.to,
      basis: query.basis,
      groupBy: query.groupBy === undefined ? undefined : parseGroupBy(query.groupBy),
      period: query.period,
      region: query.region,
      attribution: query.attribution,
    };
    const report = await this.reports.savings(principal, input);
    if (query.format === 'csv') {
      void reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${savingsFileName(report, 'csv')}"`);
      return savingsCsv(report);
    }
    if (query.format === 'svg') {
      const series =
        report.groupBy.length === 1 && report.groupBy[0] === 'period'
          ? report
          : await this.reports.savings(principal, { ...input, groupBy: ['period'] });
      void reply
        .header('content-type', 'image/svg+xml; charset=utf-8')
        .header('content-disposition', `inline; filename="${savingsFileName(report, 'svg')}"`);
      return savingsSvg(series);
    }
    return report;
  }

  @Post('summary-checks')
  @HttpCode(202)
  @Roles('coordinator', 'admin')
  @ApiOperation({
    summary: 'Check the report summary tables now',
    description:
      'Queues the check job (it also runs daily): it rebuilds every summary from raw rows, records the rows that ' +
      'differ and (unless `repair: false`) repairs them. Poll GET /reports/summary-checks/{id}.',
  })
  @ApiAcceptedResponse({ type: SummaryCheckResponse })
  @ApiErrors(400, 401, 403)
  async requestCheck(@CurrentPrincipal() principal: Principal, @Body() body: RequestSummaryCheckDto) {
    const id = await this.summaries.requestCheck(principal.userId, body.repair ?? true);
    try {
      await this.queue.add(JobName.CheckReportSummaries, { checkId: id });
    } catch {
      await this.summaries.failCheck(id, 'the job queue is unavailable');
      throw new DomainError(ErrorCode.DependencyUnavailable, 'The job queue is unavailable; try again later');
    }
    return this.summaries.getCheck(id);
  }

  @Get('summary-checks/:id')
  @Roles('coordinator', 'admin')
  @ApiParam({ name: 'id', example: '42' })
  @ApiOkResponse({ type: SummaryCheckResponse })
  @ApiErrors(401, 403, 404)
  async getCheck(@Param('id') id: string) {
    const check = await this.summaries.getCheck(id);
    if (!check) throw DomainError.notFound('Summary check');
    return check;
  }
}

/** `period,category` → keys; unknown or repeated keys are left for the service to name in its 400. */
function parseGroupBy(value: string): GroupKey[] {
  return value
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '') as GroupKey[];
}
