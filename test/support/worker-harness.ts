import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobQueue, QueueName } from '@symbiose/core';
import { migrateDatabase } from '@symbiose/domain';
import { DataSource } from 'typeorm';
import { createWorkerApp } from '../../apps/worker/src/bootstrap';
import { testConfig } from '../setup/test-env';
import { pollUntil } from './api-harness';

/** A database of the suite's own (created and migrated here), so other suites' rows never interfere. */
export async function isolatedConfig(
  name: string,
  overrides: Record<string, string> = {},
): Promise<AppConfig> {
  const base = new URL(testConfig().DATABASE_URL);
  base.pathname = `/symbiose_test_${name}`;
  const config = testConfig({
    DATABASE_URL: base.toString(),
    QUEUE_PREFIX: `{symbiose-test-${name}}`,
    ...overrides,
  });
  await migrateDatabase(config);
  return config;
}

/** Boots a real worker (same code as `npm run start:worker`) in this process. */
export async function startWorker(config: AppConfig): Promise<INestApplicationContext> {
  const app = await createWorkerApp(config, { logger: false });
  await app.init();
  return app;
}

/** Empties the test queues (a previous run's leftovers must not run against fresh data). */
export async function obliterateQueues(queue: JobQueue): Promise<void> {
  for (const name of Object.values(QueueName)) await queue.queue(name).obliterate({ force: true });
}

/** Waits until every stream is matched at its current version and the matching queue is empty. */
export async function drain(db: DataSource, queue: JobQueue, timeoutMs = 60_000): Promise<void> {
  await pollUntil(
    async () => {
      const [dirty] = (await db.query(
        `SELECT count(*)::int AS n FROM streams WHERE matched_version < version`,
      )) as {
        n: number;
      }[];
      if (dirty.n > 0) return false;
      const counts = await queue
        .queue(QueueName.Matching)
        .getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    },
    { timeoutMs, intervalMs: 100, what: 'the matching queue to drain' },
  );
}
