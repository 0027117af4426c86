import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lets a worker keep the matcher's processed state in memory and catch up cheaply: every write of a
 * stream_match_state row takes the next `sync_seq`, so "what changed since I last looked" is one index
 * range. Matching writes to this table only under the matching advisory lock, so a worker that holds
 * the lock sees every earlier change below its sequence number. Deleting rows (streams are never
 * deleted through the API; tests and tools do) bumps `match_state_epoch`, which makes caches reload.
 */
export class MatchStateSync1764950000000 implements MigrationInterface {
  name = 'MatchStateSync1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE stream_match_state_sync_seq AS bigint`);
    await q.query(`ALTER TABLE stream_match_state ADD COLUMN sync_seq bigint`);
    await q.query(`UPDATE stream_match_state SET sync_seq = nextval('stream_match_state_sync_seq')`);
    await q.query(
      `ALTER TABLE stream_match_state ALTER COLUMN sync_seq SET DEFAULT nextval('stream_match_state_sync_seq'),
         ALTER COLUMN sync_seq SET NOT NULL`,
    );
    await q.query(`CREATE INDEX stream_match_state_sync_idx ON stream_match_state (sync_seq)`);
    await q.query(
      `CREATE TABLE match_state_epoch (id boolean PRIMARY KEY DEFAULT true CHECK (id), epoch bigint NOT NULL)`,
    );
    await q.query(`INSERT INTO match_state_epoch (epoch) VALUES (1)`);
    await q.query(`
      CREATE FUNCTION bump_match_state_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE match_state_epoch SET epoch = epoch + 1;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER stream_match_state_deleted AFTER DELETE OR TRUNCATE ON stream_match_state
      FOR EACH STATEMENT EXECUTE FUNCTION bump_match_state_epoch()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER stream_match_state_deleted ON stream_match_state`);
    await q.query(`DROP FUNCTION bump_match_state_epoch()`);
    await q.query(`DROP TABLE match_state_epoch`);
    await q.query(`DROP INDEX stream_match_state_sync_idx`);
    await q.query(`ALTER TABLE stream_match_state DROP COLUMN sync_seq`);
    await q.query(`DROP SEQUENCE stream_match_state_sync_seq`);
  }
}
