import { DataSource, EntityManager } from 'typeorm';
import { EXPIRABLE_STATUSES } from './stream-lifecycle';
import { REGION_TIME_ZONE } from './stream-rules';

/**
 * Active or paused streams whose availableUntil has passed become expired, in one set-based statement
 * that also bumps their versions (so each is dirty and gets re-matched: its proposed matches expire).
 * availableUntil is the last available day in the region's calendar (Europe/Brussels), so a stream
 * available until 30 June expires from 1 July 00:00 local time. Idempotent: a second run finds nothing.
 * Returns the expired streams at their new versions, for match-stream jobs.
 */
export async function expireDueStreams(
  db: DataSource | EntityManager,
  now: Date,
): Promise<{ streamId: string; version: number }[]> {
  const result: unknown = await db.query(
    `WITH expired AS (
       UPDATE streams SET status = 'expired', version = version + 1, updated_at = now()
        WHERE status = ANY($2::text[])
          AND available_until < ($1::timestamptz AT TIME ZONE '${REGION_TIME_ZONE}')::date
       RETURNING id, version)
     SELECT id AS "streamId", version FROM expired ORDER BY id`,
    [now.toISOString(), EXPIRABLE_STATUSES],
  );
  return result as { streamId: string; version: number }[];
}
