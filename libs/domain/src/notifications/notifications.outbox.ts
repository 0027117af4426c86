import { rowsOf } from '@symbiose/core';
import { DataSource } from 'typeorm';

/**
 * Fans out the new proposed matches that large writes (a full re-match) queued in
 * match_proposal_outbox instead of notifying inline (migration 1764960000000). Each outbox row is
 * taken and fanned out in one transaction, so a crash delivers it on the next call rather than losing
 * or doubling it; SKIP LOCKED lets several workers drain side by side. Returns the notifications written.
 */
export async function deliverQueuedProposals(db: DataSource): Promise<number> {
  let written = 0;
  for (;;) {
    const batch = await db.transaction(async (m) => {
      const [row] = rowsOf<{ n: number }>(
        await m.query(
          `WITH taken AS (
             DELETE FROM match_proposal_outbox
             WHERE id = (SELECT id FROM match_proposal_outbox ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING match_ids)
           SELECT fan_out_match_proposals(match_ids) AS n FROM taken`,
        ),
      );
      return row ? row.n : null;
    });
    if (batch === null) return written;
    written += batch;
  }
}
