import { JobName, JobQueue, MATCH_NOTIFY_THROTTLE, rowsOf } from '@symbiose/core';
import { DataSource } from 'typeorm';

/**
 * Delivers the new proposed matches that large writes queued in match_proposal_outbox instead of
 * notifying inline (migration 1764960000000): by id (a stream entering a sparse store, the new rows of
 * a re-match over a stored store), or as every match a full re-match into an empty store created
 * (`run_created_at`, migration 1765080000000). One digest per officer and own stream over everything
 * queued (digest_queued_proposals), so a run that wrote its matches in many statements still gives
 * each officer one item per stream. The outbox rows are taken and digested in one transaction, so a
 * crash delivers them on the next call rather than losing or doubling them; SKIP LOCKED lets several
 * workers call this side by side. Returns the notifications written.
 */
export async function deliverQueuedProposals(db: DataSource): Promise<number> {
  return db.transaction(async (m) => {
    const [row] = rowsOf<{ n: number | null }>(
      await m.query(
        `WITH taken AS (
           DELETE FROM match_proposal_outbox
           WHERE id IN (SELECT id FROM match_proposal_outbox ORDER BY id FOR UPDATE SKIP LOCKED)
           RETURNING match_ids, run_created_at)
         SELECT CASE WHEN count(*) = 0 THEN 0 ELSE digest_queued_proposals(
             (SELECT array_agg(x.id) FROM taken CROSS JOIN LATERAL unnest(taken.match_ids) AS x(id)),
             (SELECT array_agg(DISTINCT run_created_at) FROM taken WHERE run_created_at IS NOT NULL))
           END AS n
         FROM taken`,
      ),
    );
    return row?.n ?? 0;
  });
}

/**
 * Asks for the queued proposals to be delivered `delayMs` from now by the throttled
 * deliver-match-notifications job (MATCH_NOTIFY_THROTTLE: every request of a burst joins the one
 * scheduled). Best effort: false when Redis is unreachable, and the caller delivers them itself.
 */
export function requestProposalDelivery(queue: JobQueue, delayMs: number): Promise<boolean> {
  return queue.addBestEffort(
    JobName.DeliverMatchNotifications,
    { requestedAt: new Date().toISOString() },
    { delay: delayMs, deduplication: { ...MATCH_NOTIFY_THROTTLE.deduplication } },
  );
}
