import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A full re-match of a large region proposes millions of matches at once (3.6 million at 100,000
 * streams): one notification per match and officer would be 7 million rows, and an officer would find
 * hundreds of near-identical items. Proposals queued in match_proposal_outbox are therefore delivered
 * as one digest per officer and own stream ("N new heat matches for your supply stream …"), pointing at
 * the stream's match list; small writes still notify per match, inline (migration 1764960000000).
 */
export class MatchProposalDigest1764970000000 implements MigrationInterface {
  name = 'MatchProposalDigest1764970000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
    await q.query(`
      ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('match_proposed',
        'matches_proposed', 'counterpart_interest', 'mutual_interest', 'match_declined', 'match_approved',
        'match_rejected', 'match_activated', 'match_closed'))`);
    // The matches are found by a hashed = ANY over the ids (one pass over matches, however many ids).
    await q.query(`
      CREATE FUNCTION digest_match_proposals(ids uuid[]) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE
        written integer;
      BEGIN
        INSERT INTO notifications (user_id, kind, match_id, stream_id, message, data)
        SELECT u.id, 'matches_proposed', NULL, own.id,
               format('%s new %s %s for your %s stream "%s"', g.n, g.category,
                      CASE WHEN g.n = 1 THEN 'match' ELSE 'matches' END, own.direction, own.title),
               jsonb_build_object('category', g.category, 'ownStreamId', own.id, 'ownDirection', own.direction,
                                  'count', g.n)
        FROM (
          SELECT side.own_id, min(n.category) AS category, count(*)::int AS n
          FROM matches n
          CROSS JOIN LATERAL (VALUES (n.supply_stream_id), (n.demand_stream_id)) AS side(own_id)
          WHERE n.id = ANY (ids) AND n.status = 'proposed' AND n.qualifies
          GROUP BY side.own_id
        ) g
        JOIN streams own ON own.id = g.own_id
        JOIN users u ON u.company_id = own.company_id AND u.role = 'officer' AND u.disabled_at IS NULL;
        GET DIAGNOSTICS written = ROW_COUNT;
        RETURN written;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION digest_match_proposals(uuid[])`);
    await q.query(`DELETE FROM notifications WHERE kind = 'matches_proposed'`);
    await q.query(`ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check`);
    await q.query(`
      ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('match_proposed',
        'counterpart_interest', 'mutual_interest', 'match_declined', 'match_approved', 'match_rejected',
        'match_activated', 'match_closed'))`);
  }
}
