import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { createRedisConnection } from '../redis/redis.connection';
import { JOB_RETENTION, JobName, JobPayloads, jobIdFor, QUEUE_OF_JOB, QueueName } from './queue.constants';

export interface QueueCounts {
  queue: QueueName;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

/** Typed producer over BullMQ. Fails fast when Redis is down; callers decide whether that matters. */
@Injectable()
export class JobQueue implements OnApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  readonly connection: Redis;
  private readonly queues = new Map<QueueName, Queue>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.connection = createRedisConnection(config.REDIS_URL, 'producer', 'symbiose-producer');
    this.connection.on('error', (err: Error) => this.logger.debug(`redis producer: ${err.message}`));
    for (const name of Object.values(QueueName)) {
      const queue = new Queue(name, {
        connection: this.connection,
        prefix: config.QUEUE_PREFIX,
        defaultJobOptions: {
          ...JOB_RETENTION,
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
        },
      });
      // Connection errors are reported by readiness; without a listener they would be printed raw.
      queue.on('error', (err: Error) => this.logger.debug(`queue ${name}: ${err.message}`));
      this.queues.set(name, queue);
    }
  }

  queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`Unknown queue ${name}`);
    return queue;
  }

  /** BullMQ waits for a connection that is not ready; a producer must fail fast instead. */
  private assertConnected(): void {
    if (this.connection.status !== 'ready')
      throw new Error(`Redis is not connected (${this.connection.status})`);
  }

  /** Enqueues a job; throws when Redis is unreachable. */
  async add<N extends JobName>(name: N, payload: JobPayloads[N], options: JobsOptions = {}): Promise<string> {
    this.assertConnected();
    const jobId = options.jobId ?? jobIdFor(name, payload);
    const job = await this.queue(QUEUE_OF_JOB[name]).add(name, payload, { ...options, jobId });
    return job.id ?? '';
  }

  /** Enqueues after a commit: a failure is logged, not thrown, because the outbox sweeper catches up. */
  async addBestEffort<N extends JobName>(
    name: N,
    payload: JobPayloads[N],
    options?: JobsOptions,
  ): Promise<boolean> {
    try {
      await this.add(name, payload, options);
      return true;
    } catch (err) {
      this.logger.warn(`enqueue ${name} deferred to the sweeper: ${(err as Error).message}`);
      return false;
    }
  }

  /** Enqueues many jobs in one round trip; `jobIdSuffix` distinguishes a retry wave from the first enqueue. */
  async addBulk<N extends JobName>(
    name: N,
    payloads: JobPayloads[N][],
    { jobIdSuffix = '' }: { jobIdSuffix?: string } = {},
  ): Promise<void> {
    if (payloads.length === 0) return;
    this.assertConnected();
    await this.queue(QUEUE_OF_JOB[name]).addBulk(
      payloads.map((data) => {
        const id = jobIdFor(name, data);
        return { name, data, opts: { jobId: id ? `${id}${jobIdSuffix}` : undefined } };
      }),
    );
  }

  async counts(): Promise<QueueCounts[]> {
    this.assertConnected();
    return Promise.all(
      [...this.queues.entries()].map(async ([queue, q]) => {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
        return {
          queue,
          waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
          completed: c.completed ?? 0,
        };
      }),
    );
  }

  async ping(): Promise<void> {
    this.assertConnected();
    await this.connection.ping();
  }

  async onApplicationShutdown(): Promise<void> {
    // Closing a queue waits for its connection; with Redis down, do not let that hold shutdown.
    const closing = Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await Promise.race([closing, new Promise((r) => setTimeout(r, 2000).unref())]);
    this.connection.disconnect();
  }
}
