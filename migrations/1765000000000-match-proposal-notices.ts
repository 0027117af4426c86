import { MigrationInterface, QueryRunner } from 'typeorm';

const SINGLE_OR_DIGEST = `
  WITH sides AS MATERIALIZED (
    SELECT side.own_id, side.other_id, n.id AS match_id, n.category
    FROM matches n
    CROSS JOIN LATERAL (VALUES (n.supply_stream_id, n.demand_stream_id),
                               (n.demand_stream_id, n.supply_stream_id)) AS side(own_id, other_id)
    WHERE n.id = ANY (ids) AND n.status = 'proposed' AND n.qualifies
  ), grouped AS (
    SELECT own_id, count(*)::int AS n, min(category) AS category FROM sides GROUP BY own_id
  ), notices AS (
    SELECT g.own_id, g.n, g.category, s.match_id, s.other_id
    FROM grouped g LEFT JOIN sides s ON g.n = 1 AND s.own_id = g.own_id
  )
  INSERT INTO notifications (user_id, kind, match_id, stream_id, message, data)
  SELECT u.id,
         CASE WHEN x.n = 1 THEN 'match_proposed' ELSE 'matches_proposed' END,
         x.match_id, own.id,
         CASE WHEN x.n = 1
           THEN format('New %s match for your %s stream "%s": a %s in %s (%s)', x.category, own.direction,
                       own.title, other.direction, osite.municipality, osite.region)
           ELSE format('%s new %s matches for your %s stream "%s"', x.n, x.category, own.direction, own.title)
         END,
         CASE WHEN x.n = 1
           THEN jsonb_build_object('category', x.category, 'ownStreamId', own.id, 'ownDirection', own.direction,
                  'counterpart', jsonb_build_object('direction', other.direction, 'category', other.category,
                    'region', osite.region, 'municipality', osite.municipality))
           ELSE jsonb_build_object('category', x.category, 'ownStreamId', own.id, 'ownDirection', own.direction,
                  'count', x.n)
         END
  FROM notices x
  JOIN streams own ON own.id = x.own_id
  LEFT JOIN streams other ON other.id = x.other_id
  LEFT JOIN sites osite ON osite.id = other.site_id
  JOIN users u ON u.company_id = own.company_id AND u.role = 'officer' AND u.disabled_at IS NULL`;

/**
 * New proposals are announced per own stream: a stream that gained one match gets the match itself
 * ("New heat match for your supply stream …: a demand in Zelzate"), a stream that gained several in
 * one write gets one digest ("474 new heat matches for your supply stream …") instead of 474 items.
 * The same rule serves the inline path (small writes) and the outbox (full re-match), and it halves
 * the notification rows a new stream in a dense region writes (the matcher's slowest write).
 */
export class MatchProposalNotices1765000000000 implements MigrationInterface {
  name = 'MatchProposalNotices1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION digest_match_proposals(ids uuid[]) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE
        written integer;
      BEGIN${SINGLE_OR_DIGEST};
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
          PERFORM digest_match_proposals(ids);
        ELSE
          INSERT INTO match_proposal_outbox (match_ids) VALUES (ids);
        END IF;
        RETURN NULL;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
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
    await q.query(`
      CREATE OR REPLACE FUNCTION digest_match_proposals(ids uuid[]) RETURNS integer LANGUAGE plpgsql AS $$
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
}
