import { NestFactory } from '@nestjs/core';
import { AppConfig } from '@symbiose/core';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

/** The worker is the same code as the API, booted as an application context with no HTTP. */
export async function createWorkerApp(config: AppConfig, options: { logger?: boolean } = {}) {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    bufferLogs: true,
    logger: options.logger === false ? false : undefined,
  });
  if (options.logger !== false) app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  return app;
}
