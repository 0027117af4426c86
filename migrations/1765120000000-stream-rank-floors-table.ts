import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each stream's stored floors (see MatchRankFloors1764980000000) move from its processed-state row into
 * a narrow table of their own. A full re-match writes every stream's floors; as a column they rewrote
 * the whole wide state row and its three index entries: 0.8–1.1 s per 20,000 streams at 100,000
 * streams, about 5.5 s of every run. A narrow row costs about 0.4 s per 20,000.
 *
 * A floors row carries a sequence number from the same sequence as the state rows, so a worker's
 * in-memory state catches up with both in one pass. Forgetting floors sets them to null with a new
 * number (a deleted row would go unseen by a catch-up); a stream's floors row goes when its state row
 * does (no foreign key: its check on every floors row written costs what the move saves).
 */
export class StreamRankFloorsTable1765120000000 implements MigrationInterface {
  name = 'StreamRankFloorsTable1765120000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stream_rank_floors (
        stream_id uuid PRIMARY KEY,
        floors jsonb,
        sync_seq bigint NOT NULL DEFAULT nextval('stream_match_state_sync_seq')
      )`);
    await q.query(`CREATE INDEX stream_rank_floors_sync_idx ON stream_rank_floors (sync_seq)`);
    await q.query(
      `INSERT INTO stream_rank_floors (stream_id, floors)
       SELECT id, rank_floors FROM stream_match_state WHERE rank_floors IS NOT NULL`,
    );
    await q.query(`ALTER TABLE stream_match_state DROP COLUMN rank_floors`);
    await q.query(forgetFunction('stream_rank_floors', 'stream_id', 'floors'));
    await q.query(`
      CREATE FUNCTION drop_rank_floors_of_gone_streams() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'TRUNCATE' THEN
          DELETE FROM stream_rank_floors;
        ELSE
          DELETE FROM stream_rank_floors f USING gone WHERE f.stream_id = gone.id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER stream_match_state_floors_deleted AFTER DELETE ON stream_match_state
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION drop_rank_floors_of_gone_streams()`);
    await q.query(`
      CREATE TRIGGER stream_match_state_floors_truncated AFTER TRUNCATE ON stream_match_state
      FOR EACH STATEMENT EXECUTE FUNCTION drop_rank_floors_of_gone_streams()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER stream_match_state_floors_truncated ON stream_match_state`);
    await q.query(`DROP TRIGGER stream_match_state_floors_deleted ON stream_match_state`);
    await q.query(`DROP FUNCTION drop_rank_floors_of_gone_streams()`);
    await q.query(`ALTER TABLE stream_match_state ADD COLUMN rank_floors jsonb`);
    await q.query(
      `UPDATE stream_match_state t SET rank_floors = f.floors, sync_seq = nextval('stream_match_state_sync_seq')
       FROM stream_rank_floors f WHERE f.stream_id = t.id AND f.floors IS NOT NULL`,
    );
    await q.query(forgetFunction('stream_match_state', 'id', 'rank_floors'));
    await q.query(`DROP TABLE stream_rank_floors`);
  }
}

/**
 * forget_rank_floors (the triggers on matches stay as they are): other writers' changes to the ranked
 * lists set the affected streams' floors to null in `table` (keyed by `key`, floors in `column`).
 */
function forgetFunction(table: string, key: string, column: string): string {
  const forget = `UPDATE ${table} t SET ${column} = NULL, sync_seq = nextval('stream_match_state_sync_seq')
          WHERE t.${column} IS NOT NULL`;
  return `
    CREATE OR REPLACE FUNCTION forget_rank_floors() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF coalesce(current_setting('symbiose.matcher_writes', true), '') = 'on' THEN
        RETURN NULL;
      END IF;
      IF TG_OP = 'TRUNCATE' THEN
        ${forget};
      ELSIF TG_OP = 'INSERT' THEN
        ${forget}
          AND t.${key} IN (SELECT supply_stream_id FROM new_rows UNION SELECT demand_stream_id FROM new_rows);
      ELSIF TG_OP = 'DELETE' THEN
        ${forget}
          AND t.${key} IN (SELECT supply_stream_id FROM old_rows UNION SELECT demand_stream_id FROM old_rows);
      ELSE
        ${forget} AND t.${key} IN (
          SELECT side.id FROM old_rows o JOIN new_rows n ON n.id = o.id
          CROSS JOIN LATERAL (VALUES (n.supply_stream_id), (n.demand_stream_id), (o.supply_stream_id),
                                     (o.demand_stream_id)) AS side(id)
          WHERE (o.qualifies, o.score, o.energy_saved_mwh, o.route_km, o.supply_stream_id, o.demand_stream_id)
            IS DISTINCT FROM (n.qualifies, n.score, n.energy_saved_mwh, n.route_km, n.supply_stream_id,
                              n.demand_stream_id));
      END IF;
      RETURN NULL;
    END $$`;
}
