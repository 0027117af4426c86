import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TerminusModule } from '@nestjs/terminus';
import { AppConfig, ConfigModule, createApiMetrics, QueueModule } from '@symbiose/core';
import { DatabaseModule } from '@symbiose/domain';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AllocationApiModule } from './allocation/allocation.module';
import { AuthGuard } from './auth/auth.guard';
import { DeliveriesApiModule } from './deliveries/deliveries.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { loggerOptions } from './common/logger.options';
import { HealthController } from './health/health.controller';
import { IdentityModule } from './identity/identity.module';
import { MatchesApiModule } from './matches/matches.module';
import { NotificationsApiModule } from './notifications/notifications.module';
import { API_METRICS, MetricsController, MetricsService } from './metrics/metrics.controller';
import { ReportsApiModule } from './reports/reports.module';
import { StreamsApiModule } from './streams/streams.module';

export class ApiModule {
  /** `logDestination`: where the logs go instead of stdout (a test reading them). */
  static forRoot(config: AppConfig, logDestination?: DestinationStream) {
    @Module({
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config, logDestination)),
        DatabaseModule,
        QueueModule,
        TerminusModule.forRoot({ logger: false }),
        IdentityModule,
        MatchesApiModule,
        NotificationsApiModule,
        AllocationApiModule,
        StreamsApiModule,
        DeliveriesApiModule,
        ReportsApiModule,
        JwtModule.register({
          global: true,
          // A key object, not the string: given a string, jsonwebtoken first tries to parse it as a PEM
          // public key on every verification and falls back on the exception (about a sixth of an
          // authenticated GET's CPU in a profile of the matches route).
          secret: createSecretKey(Buffer.from(config.JWT_SECRET)),
          signOptions: { algorithm: 'HS256', expiresIn: config.JWT_TTL_SECONDS },
          verifyOptions: { algorithms: ['HS256'] },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: API_METRICS, useFactory: createApiMetrics },
        MetricsService,
        AuthGuard,
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    })
    class RootApiModule {}
    return RootApiModule;
  }
}
