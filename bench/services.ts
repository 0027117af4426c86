/**
 * The API and the worker under test. For real runs they are child processes started as `npm start`
 * starts them (the build `npm run build` makes, run by node; the bench builds it first), with the
 * benchmarks' own database and queue prefix, so each has its own RSS and the API can be pinned to a
 * core. For the smoke test they run inside the calling process (no build, a few seconds).
 */
import { INestApplicationContext } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JobQueue, loadConfig, QueueName } from '@symbiose/core';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import SERVICES from '../scripts/services.json';
import { BenchConfig, REPO_ROOT } from './config';
import { sleep } from './stats';

export interface ProcessMemory {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak RSS since start (VmHWM), bytes; NaN when unknown. */
  peak: number;
}

export interface ServiceHandle {
  readonly name: 'api' | 'worker';
  readonly pid: number;
  /** Where its logs go (processes mode). */
  readonly logFile: string | null;
  memory(): ProcessMemory;
}

export interface BenchServices {
  mode: BenchConfig['services'];
  apiUrl: string;
  jwtSecret: string;
  api: ServiceHandle;
  worker: ServiceHandle;
  /** Kills the worker hard (aborting whatever it runs), empties the bench queues and starts a new one. */
  restartWorker(): Promise<void>;
  /** Queues of the bench prefix, for job return values and idle checks. */
  queue(name: QueueName): Queue;
  stop(): Promise<void>;
  /** Describes how the processes run, for the report. */
  describe(): string;
}

export function readProcMemory(pid: number): ProcessMemory {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    if (pid === process.pid) return { rss: process.memoryUsage().rss, peak: NaN };
    return { rss: NaN, peak: NaN };
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function serviceEnv(cfg: BenchConfig, jwtSecret: string, port: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DATABASE_URL: cfg.databaseUrl,
    REDIS_URL: cfg.redisUrl,
    QUEUE_PREFIX: cfg.queuePrefix,
    JWT_SECRET: jwtSecret,
    JWT_TTL_SECONDS: '14400',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    MATCH_TOP_K: String(cfg.matchTopK),
  };
}

/** Drops every job and scheduler of the bench prefix (the worker puts its schedulers back at boot). */
export async function obliterateBenchQueues(redisUrl: string, prefix: string): Promise<void> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    for (const name of Object.values(QueueName)) {
      const q = new Queue(name, { connection, prefix });
      await q.obliterate({ force: true });
      await q.close();
    }
  } finally {
    connection.disconnect();
  }
}

class ChildService implements ServiceHandle {
  private child: ChildProcess | null = null;
  private exited: string | null = null;
  readonly logFile: string;

  constructor(
    readonly name: 'api' | 'worker',
    private readonly service: { entry: string; nodeArgs: string[] },
    private readonly env: Record<string, string>,
    private readonly core: string | null,
    logDir: string,
  ) {
    this.logFile = join(logDir, `${name}.log`);
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  start(): void {
    const nodeArgs = [...this.service.nodeArgs, this.service.entry];
    const [cmd, args] = this.core
      ? ['taskset', ['-c', this.core, process.execPath, ...nodeArgs]]
      : [process.execPath, nodeArgs];
    const fd = openSync(this.logFile, 'a');
    this.exited = null;
    this.child = spawn(cmd, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...this.env },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    this.child.on('exit', (code, signal) => {
      this.exited = `exited with ${signal ?? code}`;
    });
  }

  assertAlive(): void {
    if (this.exited) throw new Error(`${this.name} ${this.exited}; see ${this.logFile}`);
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  memory(): ProcessMemory {
    return readProcMemory(this.pid);
  }

  async kill(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const done = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await done;
    clearTimeout(timer);
  }
}

async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

async function startProcesses(cfg: BenchConfig): Promise<BenchServices> {
  const jwtSecret = randomBytes(32).toString('hex');
  const port = await freePort();
  const env = serviceEnv(cfg, jwtSecret, port);
  const logDir = mkdtempSync(join(tmpdir(), 'symbiose-bench-'));
  // The services as `npm start` runs them: the current build, with the entries and Node flags of
  // scripts/services.json (what scripts/start-all.js starts).
  const build = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  const api = new ChildService('api', SERVICES.api, env, cfg.pin ? '0' : null, logDir);
  const worker = new ChildService('worker', SERVICES.worker, env, null, logDir);
  const apiUrl = `http://127.0.0.1:${port}`;
  const connection = new Redis(cfg.redisUrl, { maxRetriesPerRequest: null });
  const queues = new Map<QueueName, Queue>();

  const startWorker = async () => {
    const before = worker.log().length;
    worker.start();
    await waitFor(
      'the worker to start',
      () => {
        worker.assertAlive();
        return worker.log().slice(before).includes('job handlers');
      },
      120_000,
    );
  };

  api.start();
  await startWorker();
  await waitFor(
    'the API to be ready',
    async () => {
      api.assertAlive();
      const res = await fetch(`${apiUrl}/health/ready`);
      return res.status === 200;
    },
    120_000,
  );

  return {
    mode: 'processes',
    apiUrl,
    jwtSecret,
    api,
    worker,
    async restartWorker() {
      await worker.kill('SIGKILL');
      await obliterateBenchQueues(cfg.redisUrl, cfg.queuePrefix);
      await startWorker();
    },
    queue(name) {
      let q = queues.get(name);
      if (!q) queues.set(name, (q = new Queue(name, { connection, prefix: cfg.queuePrefix })));
      return q;
    },
    async stop() {
      for (const q of queues.values()) await q.close().catch(() => undefined);
      connection.disconnect();
      await Promise.all([api.kill(), worker.kill()]);
      await obliterateBenchQueues(cfg.redisUrl, cfg.queuePrefix);
    },
    describe() {
      return (
        `API and worker as separate Node processes started as \`npm start\` starts them (the build of ` +
        `\`npm run build\`, made by the bench first; NODE_ENV=production, LOG_LEVEL=info, logs to a file; ` +
        `the worker's Node flags \`${SERVICES.worker.nodeArgs.join(' ')}\`)` +
        (cfg.pin ? '; the API pinned to core 0 with `taskset -c 0`, the worker not pinned' : '; not pinned')
      );
    },
  };
}

async function startInProcess(cfg: BenchConfig): Promise<BenchServices> {
  // Imported lazily: the processes mode must not load the whole application into the bench process.
  const { createApiApp } = await import('../apps/api/src/bootstrap');
  const { createWorkerApp } = await import('../apps/worker/src/bootstrap');
  const jwtSecret = randomBytes(32).toString('hex');
  const config = loadConfig({ ...serviceEnv(cfg, jwtSecret, 0), NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const app: NestFastifyApplication = await createApiApp(config, { logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.getHttpServer().address() as { port: number };
  let worker: INestApplicationContext = await createWorkerApp(config, { logger: false });
  await worker.init();
  const self = (name: 'api' | 'worker'): ServiceHandle => ({
    name,
    pid: process.pid,
    logFile: null,
    memory: () => readProcMemory(process.pid),
  });
  return {
    mode: 'in-process',
    apiUrl: `http://127.0.0.1:${port}`,
    jwtSecret,
    api: self('api'),
    worker: self('worker'),
    async restartWorker() {
      await worker.close();
      await obliterateBenchQueues(cfg.redisUrl, cfg.queuePrefix);
      worker = await createWorkerApp(config, { logger: false });
      await worker.init();
    },
    queue(name) {
      return app.get(JobQueue).queue(name);
    },
    async stop() {
      await worker.close();
      await app.close();
      await obliterateBenchQueues(cfg.redisUrl, cfg.queuePrefix);
    },
    describe() {
      return 'API and worker inside the bench process (smoke mode: RSS figures are of that one process)';
    },
  };
}

export async function startServices(cfg: BenchConfig): Promise<BenchServices> {
  // A fresh database must meet fresh queues: job ids derive from database ids (e.g. a summary check's
  // serial), so a completed job kept from an earlier run would swallow a new one with the same id.
  await obliterateBenchQueues(cfg.redisUrl, cfg.queuePrefix);
  return cfg.services === 'in-process' ? startInProcess(cfg) : startProcesses(cfg);
}

/** Lines of a JSON log (pino) whose msg contains `needle`. */
export function logMessages(service: ServiceHandle, needle: string): string[] {
  if (!service.logFile || !existsSync(service.logFile)) return [];
  const out: string[] = [];
  for (const line of readFileSync(service.logFile, 'utf8').split('\n')) {
    if (!line.includes(needle)) continue;
    try {
      const msg = (JSON.parse(line) as { msg?: string }).msg;
      if (msg?.includes(needle)) out.push(msg);
    } catch {
      out.push(line);
    }
  }
  return out;
}
