import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import {
  APP_CONFIG,
  AppConfig,
  assertNoEviction,
  createRedisConnection,
  createWorkerMetrics,
  JOB_HANDLER_METADATA,
  JobName,
  JobPayloads,
  JobQueue,
  QUEUE_OF_JOB,
  QueueName,
  waitForReady,
  workerMetricsKey,
} from '@symbiose/core';
import { Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { hostname } from 'node:os';

type Handler = (payload: unknown, job: Job) => Promise<unknown>;

export const WORKER_METRICS = Symbol('WORKER_METRICS');

/** Finds every @JobHandler, checks each job name has exactly one, and runs one BullMQ worker per queue. */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobRunner.name);
  private readonly handlers = new Map<JobName, Handler>();
  private readonly workers: Worker[] = [];
  private connection?: Redis;
  private metricsTimer?: NodeJS.Timeout;
  private readonly metrics = createWorkerMetrics();
  private readonly instance = `${hostname()}-${process.pid}`;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly queue: JobQueue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.collectHandlers();
    this.connection = createRedisConnection(
      this.config.REDIS_URL,
      'worker',
      `symbiose-worker-${this.instance}`,
    );
    this.connection.on('error', (err: Error) => this.logger.warn(`redis: ${err.message}`));
    await waitForReady(this.connection, 10_000);
    await assertNoEviction(this.connection);
    for (const queueName of Object.values(QueueName)) {
      const worker = new Worker(queueName, (job) => this.dispatch(job), {
        connection: this.connection,
        prefix: this.config.QUEUE_PREFIX,
        concurrency: queueName === QueueName.Matching ? this.config.WORKER_CONCURRENCY : 1,
        // A job whose worker died is picked up again after its lock lapses (checked every stalledInterval).
        lockDuration: this.config.JOB_LOCK_MS,
        stalledInterval: Math.max(1000, Math.floor(this.config.JOB_LOCK_MS / 2)),
        maxStalledCount: 5,
        autorun: true,
      });
      worker.on('failed', (job, err) =>
        this.logger.warn(`job ${job?.name} ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`),
      );
      worker.on('error', (err) => this.logger.warn(`worker ${queueName}: ${err.message}`));
      this.workers.push(worker);
    }
    await this.scheduleRepeatables();
    // A Redis that restarted without persistence has lost the schedulers: put them back on reconnect.
    this.queue.connection.on('ready', () => {
      this.scheduleRepeatables().catch((err: Error) => this.logger.warn(`reschedule: ${err.message}`));
    });
    this.metricsTimer = setInterval(() => void this.publishMetrics(), 5000);
    this.metricsTimer.unref();
    this.logger.log(`worker ${this.instance} running ${this.handlers.size} job handlers`);
  }

  /** Throws at boot unless every JobName has exactly one handler. */
  private collectHandlers(): void {
    const seen = new Map<JobName, string[]>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const name = this.reflector.get<JobName | undefined>(JOB_HANDLER_METADATA, fn as () => unknown);
        if (!name) continue;
        seen.set(name, [...(seen.get(name) ?? []), `${wrapper.name}.${method}`]);
        this.handlers.set(name, (payload, job) => (fn as Handler).call(instance, payload, job));
      }
    }
    const problems: string[] = [];
    for (const name of Object.values(JobName)) {
      const owners = seen.get(name) ?? [];
      if (owners.length === 0) problems.push(`job "${name}" has no handler`);
      if (owners.length > 1)
        problems.push(`job "${name}" has ${owners.length} handlers: ${owners.join(', ')}`);
    }
    if (problems.length > 0) throw new Error(`Job handler check failed:\n  - ${problems.join('\n  - ')}`);
  }

  private async dispatch(job: Job): Promise<unknown> {
    const name = job.name as JobName;
    const handler = this.handlers.get(name);
    if (!handler || QUEUE_OF_JOB[name] !== job.queueName) {
      throw new Error(`No handler for job ${job.name} on queue ${job.queueName}`);
    }
    const end = this.metrics.jobDuration.startTimer({ job: name });
    try {
      const result = await handler(job.data as JobPayloads[typeof name], job);
      this.metrics.jobsProcessed.inc({ job: name, outcome: 'completed' });
      return result;
    } catch (err) {
      this.metrics.jobsProcessed.inc({ job: name, outcome: 'failed' });
      throw err;
    } finally {
      end();
    }
  }

  private async scheduleRepeatables(): Promise<void> {
    const maintenance = this.queue.queue(QueueName.Maintenance);
    await maintenance.upsertJobScheduler(
      'sweep-dirty-streams',
      { every: this.config.SWEEP_INTERVAL_MS },
      { name: JobName.SweepDirtyStreams, data: {} },
    );
    await maintenance.upsertJobScheduler(
      'expire-streams',
      { pattern: '5 0 * * *' },
      { name: JobName.ExpireStreams, data: {} },
    );
  }

  private async publishMetrics(): Promise<void> {
    try {
      const snapshot = JSON.stringify(await this.metrics.registry.getMetricsAsJSON());
      await this.queue.connection.set(
        workerMetricsKey(this.config.QUEUE_PREFIX, this.instance),
        snapshot,
        'PX',
        30_000,
      );
    } catch {
      // Metrics are best effort; Redis being down is reported by readiness, not here.
    }
  }

  /** Graceful shutdown: stop taking jobs and let active ones finish. */
  async onApplicationShutdown(): Promise<void> {
    if (this.metricsTimer) clearInterval(this.metricsTimer);
    await Promise.allSettled(this.workers.map((w) => w.close()));
    this.connection?.disconnect();
    this.logger.log('worker stopped');
  }
}
