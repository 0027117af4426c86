import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Matches keep referencing existing streams, checked per statement instead of per row.
 *
 * The two foreign keys matches → streams checked every new match on its own (a lookup and a row lock
 * on streams per side, per row): half of the cost of inserting matches, measured on 1.2 million rows
 * of the 100,000-stream region (38.6 s with them, 19.4 s without). The same guarantees now come from:
 * - inserts: a statement trigger locks the referenced streams (FOR KEY SHARE, as the foreign key did)
 *   and refuses the statement with foreign_key_violation when one is missing. The matcher's
 *   transactions (symbiose.matcher_writes) lock the streams of every pair they write themselves, once
 *   per stream (MatchingService, lockPairStreams), and the trigger leaves their writes alone;
 * - the stream ids of a match never change (a row trigger refuses it);
 * - deleting streams deletes their matches, as ON DELETE CASCADE did (a delivered match still refuses
 *   its deletion: deliveries reference matches ON DELETE RESTRICT); truncating streams truncates
 *   matches with what references them, as TRUNCATE … CASCADE did.
 */
export class MatchesStreamReferences1765030000000 implements MigrationInterface {
  name = 'MatchesStreamReferences1765030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE matches DROP CONSTRAINT matches_supply_stream_id_fkey,
        DROP CONSTRAINT matches_demand_stream_id_fkey`);
    await q.query(`
      CREATE FUNCTION check_match_streams() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        missing integer;
      BEGIN
        IF coalesce(current_setting('symbiose.matcher_writes', true), '') = 'on' THEN
          RETURN NULL;
        END IF;
        WITH ids AS (
          SELECT supply_stream_id AS id FROM new_rows UNION SELECT demand_stream_id FROM new_rows
        ), locked AS (
          SELECT s.id FROM streams s WHERE s.id IN (SELECT id FROM ids) FOR KEY SHARE
        )
        SELECT (SELECT count(*) FROM ids) - (SELECT count(*) FROM locked) INTO missing;
        IF missing > 0 THEN
          RAISE EXCEPTION 'a match must reference existing streams (% missing)', missing
            USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER matches_check_streams AFTER INSERT ON matches REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION check_match_streams()`);
    await q.query(`
      CREATE FUNCTION refuse_match_stream_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the streams of a match cannot change' USING ERRCODE = 'foreign_key_violation';
      END $$`);
    await q.query(`
      CREATE TRIGGER matches_streams_fixed BEFORE UPDATE OF supply_stream_id, demand_stream_id ON matches
      FOR EACH ROW WHEN (NEW.supply_stream_id IS DISTINCT FROM OLD.supply_stream_id
                         OR NEW.demand_stream_id IS DISTINCT FROM OLD.demand_stream_id)
      EXECUTE FUNCTION refuse_match_stream_change()`);
    await q.query(`
      CREATE FUNCTION delete_matches_of_streams() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          -- As TRUNCATE … CASCADE through the foreign keys did. Matches truncated by the same statement
          -- are empty by now; when the statement truncates a table that references matches (say
          -- notifications) but not matches, truncating them here finds that table in use: delete instead.
          IF EXISTS (SELECT 1 FROM matches) THEN
            BEGIN
              TRUNCATE matches CASCADE;
            EXCEPTION WHEN object_in_use THEN
              DELETE FROM matches;
            END;
          END IF;
        ELSE
          DELETE FROM matches m USING old_rows o WHERE m.supply_stream_id = o.id;
          DELETE FROM matches m USING old_rows o WHERE m.demand_stream_id = o.id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER streams_delete_matches AFTER DELETE ON streams REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION delete_matches_of_streams()`);
    await q.query(`
      CREATE TRIGGER streams_truncate_matches AFTER TRUNCATE ON streams
      FOR EACH STATEMENT EXECUTE FUNCTION delete_matches_of_streams()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER streams_truncate_matches ON streams`);
    await q.query(`DROP TRIGGER streams_delete_matches ON streams`);
    await q.query(`DROP FUNCTION delete_matches_of_streams()`);
    await q.query(`DROP TRIGGER matches_streams_fixed ON matches`);
    await q.query(`DROP FUNCTION refuse_match_stream_change()`);
    await q.query(`DROP TRIGGER matches_check_streams ON matches`);
    await q.query(`DROP FUNCTION check_match_streams()`);
    await q.query(`
      ALTER TABLE matches
        ADD CONSTRAINT matches_supply_stream_id_fkey FOREIGN KEY (supply_stream_id) REFERENCES streams(id) ON DELETE CASCADE,
        ADD CONSTRAINT matches_demand_stream_id_fkey FOREIGN KEY (demand_stream_id) REFERENCES streams(id) ON DELETE CASCADE`);
  }
}
