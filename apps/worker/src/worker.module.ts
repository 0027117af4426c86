import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig, ConfigModule, QueueModule } from '@symbiose/core';
import { DatabaseModule, MatchingModule, StreamsDomainModule } from '@symbiose/domain';
import { LoggerModule } from 'nestjs-pino';
import { JobRunner } from './job-runner.service';
import { WORKER_PROCESSORS } from './processors';

export class WorkerModule {
  static forRoot(config: AppConfig) {
    @Module({
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: { level: config.LOG_LEVEL, customProps: () => ({ service: 'worker' }) },
        }),
        DatabaseModule,
        QueueModule,
        DiscoveryModule,
        MatchingModule,
        StreamsDomainModule,
      ],
      providers: [JobRunner, ...WORKER_PROCESSORS],
    })
    class RootWorkerModule {}
    return RootWorkerModule;
  }
}
