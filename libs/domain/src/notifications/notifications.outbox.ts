import { rowsOf } from '@symbiose/core';
import { DataSource } from 'typeorm';

/**
 * Delivers the new proposed matches that large writes (a full re-match, a stream entering a sparse
 * store) queued in match_proposal_outbox instead of notifying inline (migration 1764960000000): one
 * digest per officer and own stream over everything queued (migration 1764970000000), so a run that
 * wrote its matches in many statements still gives each officer one item per stream. The outbox rows
 * are taken and digested in one transaction, so a crash delivers them on the next call rather than
 * losing or doubling them; SKIP LOCKED lets several workers call this side by side. Returns the
 * notifications written.
 */
export async function deliverQueuedProposals(db: DataSource): Promise<number> {
  return db.transaction(async (m) => {
    const [row] = rowsOf<{ n: number | null }>(
      await m.query(
        `WITH taken AS (
           DELETE FROM match_proposal_outbox
           WHERE id IN (SELECT id FROM match_proposal_outbox ORDER BY id FOR UPDATE SKIP LOCKED)
           RETURNING match_ids)
         SELECT CASE WHEN count(*) = 0 THEN 0 ELSE digest_match_proposals(array_agg(x.id)) END AS n
         FROM taken CROSS JOIN LATERAL unnest(taken.match_ids) AS x(id)`,
      ),
    );
    return row?.n ?? 0;
  });
}
