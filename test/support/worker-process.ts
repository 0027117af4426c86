import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { AppConfig } from '@symbiose/core';

/** A real worker in its own process (same entry point as `npm run start:worker`), for crash tests. */
export function spawnWorker(config: AppConfig, extraEnv: Record<string, string> = {}): ChildProcess {
  const root = join(__dirname, '..', '..');
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/worker/src/main.ts'],
    {
      cwd: root,
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(root, 'tsconfig.json'),
        NODE_ENV: 'test',
        DATABASE_URL: config.DATABASE_URL,
        REDIS_URL: config.REDIS_URL,
        QUEUE_PREFIX: config.QUEUE_PREFIX,
        MATCH_TOP_K: String(config.MATCH_TOP_K),
        MATCH_WRITE_BATCH: String(config.MATCH_WRITE_BATCH),
        MATCH_DEFER_AFTER: String(config.MATCH_DEFER_AFTER),
        JOB_LOCK_MS: String(config.JOB_LOCK_MS),
        SWEEP_INTERVAL_MS: String(config.SWEEP_INTERVAL_MS),
        LOG_LEVEL: 'warn',
        ...extraEnv,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

export function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
