import IORedis, { Redis, RedisOptions } from 'ioredis';

export type RedisRole = 'producer' | 'worker';

/**
 * Producers fail fast so an HTTP request never hangs on a dead Redis; workers block and retry forever
 * (BullMQ requires maxRetriesPerRequest: null for blocking connections).
 */
export function createRedisConnection(url: string, role: RedisRole, name = `symbiose-${role}`): Redis {
  const options: RedisOptions =
    role === 'producer'
      ? {
          connectionName: name,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
          commandTimeout: 2000,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        }
      : {
          connectionName: name,
          maxRetriesPerRequest: null,
          enableReadyCheck: true,
          retryStrategy: (times) => Math.min(times * 200, 2000),
        };
  return new IORedis(url, options);
}

export class RedisEvictionPolicyError extends Error {}

/**
 * BullMQ loses jobs silently if Redis evicts keys. Refuse to run unless the policy is noeviction.
 * Reads INFO (works where CONFIG is disabled, as on managed Redis).
 */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const info = await redis.info('memory');
  const match = /maxmemory_policy:(\S+)/.exec(info);
  const policy = match?.[1];
  if (policy !== 'noeviction') {
    throw new RedisEvictionPolicyError(
      `Redis maxmemory-policy is "${policy ?? 'unknown'}"; BullMQ needs "noeviction" or queued jobs can be lost. ` +
        'Set it with: redis-cli CONFIG SET maxmemory-policy noeviction (and in redis.conf).',
    );
  }
}

/** Waits for a connection to be ready (or fail) within a deadline. */
export async function waitForReady(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}
