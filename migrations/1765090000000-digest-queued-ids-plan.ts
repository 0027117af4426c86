import { MigrationInterface, QueryRunner } from 'typeorm';

/** The digest of a run's rows and queued ids, as migration 1765080000000 wrote it (its variable `written`). */
const RUN_DIGEST = `        WITH fresh AS MATERIALIZED (
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
`;

/**
 * digest_queued_proposals() planned every delivery with `enable_nestloop = off`, which only the digest of
 * a full run needs (3.6 million matches in a freshly swapped-in table without statistics). An
 * incremental job's delivery (a few hundred ids, after every job) was then planned as hash joins over
 * all of streams and users, at a cost inflated by the disabled nested loops that crossed the JIT
 * thresholds: 500–800 ms of the worker after each job (550 ms of it compiling), where index probes take
 * a few ms. The run's digest moves to digest_run_proposals(), which keeps the setting; queued ids alone
 * are digested by digest_match_proposals() with the planner's defaults, as before the run marker.
 */
export class DigestQueuedIdsPlan1765090000000 implements MigrationInterface {
  name = 'DigestQueuedIdsPlan1765090000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION digest_run_proposals(ids uuid[], run_created_ats timestamptz[]) RETURNS integer
      LANGUAGE plpgsql SET enable_nestloop = off AS $$
      DECLARE
        written integer;
      BEGIN
${RUN_DIGEST}      END $$`);
    // CREATE OR REPLACE also replaces the function's settings: this one has none.
    await q.query(`
      CREATE OR REPLACE FUNCTION digest_queued_proposals(ids uuid[], run_created_ats timestamptz[])
      RETURNS integer LANGUAGE plpgsql AS $$
      BEGIN
        IF coalesce(cardinality(run_created_ats), 0) > 0 THEN
          RETURN digest_run_proposals(ids, run_created_ats);
        END IF;
        RETURN CASE WHEN coalesce(cardinality(ids), 0) = 0 THEN 0 ELSE digest_match_proposals(ids) END;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Migration 1765080000000's function, settings and all.
    await q.query(`
      CREATE OR REPLACE FUNCTION digest_queued_proposals(ids uuid[], run_created_ats timestamptz[]) RETURNS integer
      LANGUAGE plpgsql SET enable_nestloop = off AS $$
      DECLARE
        written integer;
      BEGIN
        IF coalesce(cardinality(run_created_ats), 0) = 0 THEN
          RETURN CASE WHEN coalesce(cardinality(ids), 0) = 0 THEN 0 ELSE digest_match_proposals(ids) END;
        END IF;
${RUN_DIGEST}      END $$`);
    await q.query(`DROP FUNCTION digest_run_proposals(uuid[], timestamptz[])`);
  }
}
