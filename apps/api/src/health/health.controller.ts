import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { DomainError, ErrorCode, JobQueue } from '@symbiose/core';
import { Public } from '../auth/public.decorator';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly queue: JobQueue,
  ) {}

  /** The process is up; says nothing about dependencies. */
  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** Ready to serve: Postgres and Redis both answer. 503 names whichever is down. */
  @Get('ready')
  @HealthCheck()
  async ready() {
    try {
      return await this.health.check([
        () => this.db.pingCheck('postgres', { timeout: 2000 }),
        async () => {
          const indicator = this.indicators.check('redis');
          try {
            await this.queue.ping();
            return indicator.up();
          } catch (err) {
            return indicator.down({ message: (err as Error).message });
          }
        },
      ]);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const result = err.getResponse() as { error?: Record<string, { message?: string }> };
      const down = Object.keys(result.error ?? {});
      throw new DomainError(
        ErrorCode.DependencyUnavailable,
        `Not ready: ${down.join(' and ')} ${down.length === 1 ? 'is' : 'are'} down`,
        Object.fromEntries(down.map((name) => [name, result.error?.[name]?.message ?? 'down'])),
      );
    }
  }
}
