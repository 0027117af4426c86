import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@symbiose/core';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { testConfig } from '../setup/test-env';

export interface ApiHarness {
  app: NestFastifyApplication;
  config: AppConfig;
  db: DataSource;
  /** Base URL of the listening server, for supertest. */
  url: string;
  close(): Promise<void>;
}

/**
 * Boots the real API (Fastify, real Postgres and Redis) on an ephemeral port; silent unless given a
 * `logDestination` (its logs, at the config's LOG_LEVEL).
 */
export async function startApi(
  overrides: Record<string, string> = {},
  { logDestination }: { logDestination?: DestinationStream } = {},
): Promise<ApiHarness> {
  const config = testConfig(overrides);
  const app = await createApiApp(config, logDestination ? { logDestination } : { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    config,
    db: app.get(DataSource),
    url: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}

/** Polls until `check` returns a truthy value or the deadline passes (no fixed sleeps). */
export async function pollUntil<T>(
  check: () => Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
