import type { AppConfig } from '../../libs/core/src/config/app-config';
import { loadConfig } from '../../libs/core/src/config/app-config';

/** Tests use their own database and queue prefix so they never touch the demo data. */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/symbiose_test';

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `{symbiose-test-${process.env.JEST_WORKER_ID ?? '0'}}`,
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}
