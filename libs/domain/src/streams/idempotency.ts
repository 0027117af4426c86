import { DomainError, ErrorCode } from '@symbiose/core';
import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { stableJson } from './stream-mapping';

/** How long a key answers with its first response; after that the key may be used afresh. */
export const IDEMPOTENCY_TTL_HOURS = 24;

/** 1 to 255 visible ASCII characters (a UUID is the usual choice). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface StoredResponse<T> {
  statusCode: number;
  body: T;
  /** True when this is the first request's response, answered again. */
  replayed: boolean;
}

/** A request's fingerprint: the route and the body with its keys sorted. */
export function requestHash(route: string, body: unknown): string {
  return createHash('sha256')
    .update(`${route}\n${stableJson(body ?? null)}`)
    .digest('hex');
}

/**
 * Runs `work` once per (user, key) inside the caller's transaction. The key row is inserted first,
 * so a concurrent request with the same key waits on it and then replays the committed response;
 * if the transaction rolls back (the request failed), the key is gone with it and a retry runs anew.
 * A key reused with another request is a 409. Expired keys (older than the TTL) count as unused.
 */
export async function runIdempotent<T>(
  m: EntityManager,
  userId: string,
  key: string,
  hash: string,
  work: () => Promise<{ statusCode: number; body: T }>,
): Promise<StoredResponse<T>> {
  await m.query(
    `DELETE FROM idempotency_keys
      WHERE user_id = $1 AND key = $2 AND created_at < now() - make_interval(hours => $3)`,
    [userId, key, IDEMPOTENCY_TTL_HOURS],
  );
  const inserted: unknown[] = await m.query(
    `INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, key) DO NOTHING RETURNING 1`,
    [userId, key, hash],
  );
  if (inserted.length === 0) {
    const [stored] = (await m.query(
      `SELECT request_hash AS "hash", response_status AS "statusCode", response_body AS "body"
         FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    )) as { hash: string; statusCode: number | null; body: T }[];
    if (!stored || stored.hash !== hash) {
      throw new DomainError(
        ErrorCode.IdempotencyKeyReused,
        'This Idempotency-Key was already used with a different request',
      );
    }
    if (stored.statusCode !== null)
      return { statusCode: stored.statusCode, body: stored.body, replayed: true };
  }
  const result = await work();
  await m.query(
    `UPDATE idempotency_keys SET response_status = $3, response_body = $4::jsonb WHERE user_id = $1 AND key = $2`,
    [userId, key, result.statusCode, JSON.stringify(result.body)],
  );
  return { ...result, replayed: false };
}

/** Deletes keys past their TTL; lookups already ignore them, this only bounds the table. */
export async function purgeExpiredIdempotencyKeys(m: EntityManager, now: Date = new Date()): Promise<number> {
  const result = (await m.query(
    `DELETE FROM idempotency_keys WHERE created_at < $1::timestamptz - make_interval(hours => $2)`,
    [now.toISOString(), IDEMPOTENCY_TTL_HOURS],
  )) as [unknown[], number];
  return result[1];
}
