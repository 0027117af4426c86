import { MigrationInterface, QueryRunner } from 'typeorm';

/** The fan-out of one set of new proposed matches to the officers of both companies (unchanged text and data). */
const FAN_OUT_BODY = `
  INSERT INTO notifications (user_id, kind, match_id, stream_id, message, data)
  SELECT u.id, 'match_proposed', n.id, own.id,
         format('New %s match for your %s stream "%s": a %s in %s (%s)', n.category, own.direction,
                own.title, other.direction, osite.municipality, osite.region),
         jsonb_build_object('category', n.category, 'ownStreamId', own.id, 'ownDirection', own.direction,
           'counterpart', jsonb_build_object('direction', other.direction, 'category', other.category,
             'region', osite.region, 'municipality', osite.municipality))
  FROM matches n
  CROSS JOIN LATERAL (VALUES (n.supply_stream_id, n.demand_stream_id),
                             (n.demand_stream_id, n.supply_stream_id)) AS side(own_id, other_id)
  JOIN streams own ON own.id = side.own_id
  JOIN streams other ON other.id = side.other_id
  JOIN sites osite ON osite.id = other.site_id
  JOIN users u ON u.company_id = own.company_id AND u.role = 'officer' AND u.disabled_at IS NULL
  WHERE n.id = ANY (ids)`;

/**
 * Issue "persisting 100,000 match rows ≤ 1.5 s": the statement trigger on matches fanned every new
 * proposed match out to two notification rows in the writer's own statement; for a full re-match that
 * was 200,000 rows with three foreign-key checks and four index entries each, 3.5× the cost of the
 * matches themselves (measured: the foreign-key checks alone took longer than writing the matches).
 *
 * Now a statement with few new proposals (the incremental matcher: one stream's pairs) still fans out
 * inline, so those notifications exist at commit as before; a larger one stores the match ids as one
 * outbox row in the same transaction (never lost), which the worker fans out right after a full
 * re-match and on every sweep. `symbiose.notify_inline_max` (a setting, default 1000) moves the line.
 */
export class MatchProposalOutbox1764960000000 implements MigrationInterface {
  name = 'MatchProposalOutbox1764960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE match_proposal_outbox (
        id bigserial PRIMARY KEY,
        match_ids uuid[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // plpgsql, not sql: its plan is cached per session, and the incremental matcher calls it once per write.
    await q.query(`
      CREATE FUNCTION fan_out_match_proposals(ids uuid[]) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE
        written integer;
      BEGIN${FAN_OUT_BODY};
        GET DIAGNOSTICS written = ROW_COUNT;
        RETURN written;
      END $$`);
    await q.query(`
      CREATE OR REPLACE FUNCTION notify_new_matches() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        ids uuid[];
        inline_max integer := coalesce(nullif(current_setting('symbiose.notify_inline_max', true), '')::integer, 1000);
      BEGIN
        SELECT array_agg(id) INTO ids FROM inserted_matches WHERE status = 'proposed' AND qualifies;
        IF ids IS NULL THEN
          RETURN NULL;
        ELSIF cardinality(ids) <= inline_max THEN
          PERFORM fan_out_match_proposals(ids);
        ELSE
          INSERT INTO match_proposal_outbox (match_ids) VALUES (ids);
        END IF;
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Deliver what is still queued before the outbox goes, then restore the inline-only trigger.
    await q.query(`SELECT fan_out_match_proposals(match_ids) FROM match_proposal_outbox ORDER BY id`);
    await q.query(`
      CREATE OR REPLACE FUNCTION notify_new_matches() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO notifications (user_id, kind, match_id, stream_id, message, data)
        SELECT u.id, 'match_proposed', n.id, own.id,
               format('New %s match for your %s stream "%s": a %s in %s (%s)', n.category, own.direction,
                      own.title, other.direction, osite.municipality, osite.region),
               jsonb_build_object('category', n.category, 'ownStreamId', own.id, 'ownDirection', own.direction,
                 'counterpart', jsonb_build_object('direction', other.direction, 'category', other.category,
                   'region', osite.region, 'municipality', osite.municipality))
        FROM inserted_matches n
        CROSS JOIN LATERAL (VALUES (n.supply_stream_id, n.demand_stream_id),
                                   (n.demand_stream_id, n.supply_stream_id)) AS side(own_id, other_id)
        JOIN streams own ON own.id = side.own_id
        JOIN streams other ON other.id = side.other_id
        JOIN sites osite ON osite.id = other.site_id
        JOIN users u ON u.company_id = own.company_id AND u.role = 'officer' AND u.disabled_at IS NULL
        WHERE n.status = 'proposed' AND n.qualifies;
        RETURN NULL;
      END $$`);
    await q.query(`DROP FUNCTION fan_out_match_proposals(uuid[])`);
    await q.query(`DROP TABLE match_proposal_outbox`);
  }
}
