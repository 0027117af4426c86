import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A full re-match into an empty store queues its new proposals as one outbox row that names the
 * run's creation time (`run_created_at`: every match created then) instead of their ids: at 100,000
 * streams that was 713 rows of 5,000 ids (57 MB of uuid[] written inside the run, about 1 s of a
 * Postgres backend), and delivering them unnested 3.6 million ids into one array and probed it per
 * match (12 s of one backend after the run; 4.2 s now, counted as below).
 * digest_queued_proposals() digests both kinds in one pass, so a stream still gets one item per
 * delivery, and reads the matches at delivery time as digest_match_proposals() does.
 */
export class MatchProposalRunMarker1765080000000 implements MigrationInterface {
  name = 'MatchProposalRunMarker1765080000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE match_proposal_outbox
        ALTER COLUMN match_ids DROP NOT NULL,
        ADD COLUMN run_created_at timestamptz,
        ADD CONSTRAINT match_proposal_outbox_one_kind CHECK ((match_ids IS NULL) <> (run_created_at IS NULL))`);
    // The ids' own path when no run is queued (an index probe per id); otherwise one scan of matches
    // for the runs' rows, with the ids' rows added (those a run created too left out: once each), counted
    // per supply and per demand (a stream is one or the other) instead of per side of every match: the
    // digest of a 100,000-stream run's 7.1 million sides took 3.6–6.8 s before its insert, this 2.2–2.3 s.
    // Hash joins only: on a table without statistics yet (just swapped in) the planner took its parts for
    // a few rows and joined them in nested loops (29 s for 100,000 new matches; 0.28 s so; 4.2 s in all for
    // a 100,000-stream run's 3.6 million).
    // The items, texts and data are migration 1765000000000's digest as written there (a migration keeps
    // its SQL as it ran).
    await q.query(`
      CREATE FUNCTION digest_queued_proposals(ids uuid[], run_created_ats timestamptz[]) RETURNS integer
      LANGUAGE plpgsql SET enable_nestloop = off AS $$
      DECLARE
        written integer;
      BEGIN
        IF coalesce(cardinality(run_created_ats), 0) = 0 THEN
          RETURN CASE WHEN coalesce(cardinality(ids), 0) = 0 THEN 0 ELSE digest_match_proposals(ids) END;
        END IF;
        WITH fresh AS MATERIALIZED (
          SELECT n.id, n.supply_stream_id AS supply, n.demand_stream_id AS demand, n.category FROM matches n
          WHERE n.created_at = ANY (run_created_ats) AND n.status = 'proposed' AND n.qualifies
          UNION ALL
          SELECT n.id, n.supply_stream_id, n.demand_stream_id, n.category FROM matches n
          WHERE n.id = ANY (coalesce(ids, '{}')) AND n.status = 'proposed' AND n.qualifies
            AND NOT (n.created_at = ANY (run_created_ats))
        ), grouped AS MATERIALIZED (
          SELECT own_id, sum(n)::int AS n, min(category) AS category FROM (
            SELECT supply AS own_id, count(*) AS n, min(category) AS category FROM fresh GROUP BY supply
            UNION ALL
            SELECT demand, count(*), min(category) FROM fresh GROUP BY demand
          ) per_side GROUP BY own_id
        ), singles AS (
          SELECT f.supply AS own_id, f.demand AS other_id, f.id AS match_id FROM fresh f
          WHERE f.supply IN (SELECT own_id FROM grouped WHERE n = 1)
          UNION ALL
          SELECT f.demand, f.supply, f.id FROM fresh f
          WHERE f.demand IN (SELECT own_id FROM grouped WHERE n = 1)
        ), notices AS (
          SELECT g.own_id, g.n, g.category, s.match_id, s.other_id
          FROM grouped g LEFT JOIN singles s ON s.own_id = g.own_id
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
        JOIN users u ON u.company_id = own.company_id AND u.role = 'officer' AND u.disabled_at IS NULL;
        GET DIAGNOSTICS written = ROW_COUNT;
        RETURN written;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION digest_queued_proposals(uuid[], timestamptz[])`);
    // A queued run's rows by id again, as the outbox held them before.
    await q.query(`
      INSERT INTO match_proposal_outbox (match_ids)
      SELECT array_agg(n.id) FROM match_proposal_outbox o JOIN matches n ON n.created_at = o.run_created_at
      WHERE o.run_created_at IS NOT NULL
      HAVING count(*) > 0`);
    await q.query(`DELETE FROM match_proposal_outbox WHERE run_created_at IS NOT NULL`);
    await q.query(`
      ALTER TABLE match_proposal_outbox
        DROP CONSTRAINT match_proposal_outbox_one_kind,
        DROP COLUMN run_created_at,
        ALTER COLUMN match_ids SET NOT NULL`);
  }
}
