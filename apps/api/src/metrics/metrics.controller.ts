import { Controller, Get, Header, Headers, Inject, Injectable } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ApiMetrics,
  APP_CONFIG,
  AppConfig,
  DomainError,
  ErrorCode,
  JobQueue,
  workerMetricsPattern,
} from '@symbiose/core';
import { timingSafeEqual } from 'node:crypto';
import { AggregatorRegistry } from 'prom-client';
import { DataSource } from 'typeorm';
import { Public } from '../auth/public.decorator';
import { AuthGuard } from '../auth/auth.guard';

export const API_METRICS = Symbol('API_METRICS');

@Injectable()
export class MetricsService {
  constructor(
    @Inject(API_METRICS) private readonly metrics: ApiMetrics,
    private readonly queue: JobQueue,
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** API process metrics, live queue and backlog gauges, and every worker's published metrics. */
  async render(): Promise<string> {
    const parts = [await this.metrics.registry.metrics()];
    parts.push(await this.gauges());
    parts.push(await this.workerMetrics());
    return parts.filter(Boolean).join('\n');
  }

  private async gauges(): Promise<string> {
    const lines: string[] = [];
    try {
      const counts = await this.queue.counts();
      lines.push(
        '# HELP symbiose_queue_jobs Jobs in each queue by state',
        '# TYPE symbiose_queue_jobs gauge',
      );
      for (const c of counts) {
        for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) {
          lines.push(`symbiose_queue_jobs{queue="${c.queue}",state="${state}"} ${c[state]}`);
        }
      }
    } catch {
      lines.push('# queue counts unavailable: redis down');
    }
    const runs: { status: string; done: number; total: number }[] = await this.db.query(
      `SELECT status, done, total FROM match_runs WHERE status IN ('queued', 'running') ORDER BY created_at DESC LIMIT 1`,
    );
    lines.push(
      '# HELP symbiose_match_run_progress Fraction done of the current full re-match (1 when none runs)',
      '# TYPE symbiose_match_run_progress gauge',
      `symbiose_match_run_progress ${runs[0] ? (runs[0].total ? runs[0].done / runs[0].total : 0) : 1}`,
      '# HELP symbiose_match_run_active Whether a full re-match is queued or running',
      '# TYPE symbiose_match_run_active gauge',
      `symbiose_match_run_active ${runs[0] ? 1 : 0}`,
    );
    const backlog = await this.dirtyBacklog();
    if (backlog !== null) {
      lines.push(
        '# HELP symbiose_dirty_streams Streams whose matches are older than their version (outbox backlog)',
        '# TYPE symbiose_dirty_streams gauge',
        `symbiose_dirty_streams ${backlog}`,
      );
    }
    return lines.join('\n') + '\n';
  }

  private async dirtyBacklog(): Promise<number | null> {
    const hasStreams: { exists: boolean }[] = await this.db.query(
      `SELECT to_regclass('public.streams') IS NOT NULL AS exists`,
    );
    if (!hasStreams[0]?.exists) return null;
    const rows: { n: string }[] = await this.db.query(
      `SELECT count(*) AS n FROM streams WHERE matched_version < version`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  private async workerMetrics(): Promise<string> {
    try {
      const redis = this.queue.connection;
      const keys = await redis.keys(workerMetricsPattern(this.config.QUEUE_PREFIX));
      if (keys.length === 0) return '';
      const values = (await redis.mget(keys)).filter((v): v is string => !!v);
      const snapshots = values.map((v) => JSON.parse(v) as object[]);
      return await AggregatorRegistry.aggregate(snapshots).metrics();
    } catch {
      return '# worker metrics unavailable: redis down\n';
    }
  }

  tokenMatches(token: string | undefined): boolean {
    const expected = this.config.METRICS_TOKEN;
    if (!expected || !token) return false;
    const a = Buffer.from(token);
    const b = Buffer.from(expected);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

/** Prometheus text; an admin's credentials or the METRICS_TOKEN bearer open it. */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly service: MetricsService,
    private readonly guard: AuthGuard,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(@Headers() headers: Record<string, string | undefined>): Promise<string> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(headers['authorization'] ?? '')?.[1];
    if (!this.service.tokenMatches(bearer)) {
      const principal = await this.guard.resolve(headers);
      if (principal.role !== 'admin') throw new DomainError(ErrorCode.Forbidden, 'Metrics are for admins');
    }
    return this.service.render();
  }
}
