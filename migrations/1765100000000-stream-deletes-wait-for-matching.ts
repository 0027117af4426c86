import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleting streams waits for the matching lock, instead of the matcher locking every stream it pairs.
 *
 * The matcher locked the streams of every pair it wrote (FOR KEY SHARE, migration 1765030000000), so a
 * deletion could not slip between its read of the streams and its commit: each of those row locks writes
 * the stream's row (and WAL), 2–3 ms of an incremental job's 15–20 ms before the commit that makes a new
 * stream's matches readable, and 100,000 of them in a full re-match. Every matching transaction already
 * holds the matching advisory lock (MatchingService, MATCHING_LOCK_ID = 7356110043) from its start to its
 * commit, and reads the streams only after taking it. A statement deleting streams now takes the same
 * lock first: it waits for the matching transaction in progress, and the next one waits for the
 * deletion's commit and then sees it (the deleted streams' state rows are gone and match_state_epoch
 * moved, so the in-memory state reloads). Between the two, the matches of the deleted streams go with
 * them (streams_delete_matches), the ones the matcher just wrote included.
 *
 * TRUNCATE takes an exclusive lock on streams, which waits for the matching transaction in progress
 * (it has read streams) and holds up the next one's first read of them, so it needs no trigger; one
 * taking the advisory lock after its exclusive lock could deadlock with a matcher waiting for streams.
 */
export class StreamDeletesWaitForMatching1765100000000 implements MigrationInterface {
  name = 'StreamDeletesWaitForMatching1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION wait_for_matching() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(7356110043);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER streams_delete_waits_for_matching BEFORE DELETE ON streams
      FOR EACH STATEMENT EXECUTE FUNCTION wait_for_matching()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER streams_delete_waits_for_matching ON streams`);
    await q.query(`DROP FUNCTION wait_for_matching()`);
  }
}
