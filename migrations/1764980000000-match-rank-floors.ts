import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each stream's stored qualifying pairs around its K-th best (ranks K-1 … K+1), kept on its
 * processed-state row by the matcher (see libs/domain rank-floors.ts): an incremental job compares a
 * new pair with every counterpart's K-th best, and reading those from the worker's in-memory state
 * replaces one index range per counterpart. Null means not known yet (the matcher reads it from the
 * matches table then).
 *
 * The matcher refreshes the floors of every stream whose list it changes (its transactions set
 * symbiose.matcher_writes). Any other change to the ranked lists — a stream deleted with its matches,
 * a truncation, a fixture or tool editing rows — forgets the affected floors instead, so they are
 * read from the matches table until the matcher next refreshes them.
 */
export class MatchRankFloors1764980000000 implements MigrationInterface {
  name = 'MatchRankFloors1764980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stream_match_state ADD COLUMN rank_floors jsonb`);
    await q.query(`
      CREATE FUNCTION forget_rank_floors() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF coalesce(current_setting('symbiose.matcher_writes', true), '') = 'on' THEN
          RETURN NULL;
        END IF;
        IF TG_OP = 'TRUNCATE' THEN
          UPDATE stream_match_state SET rank_floors = NULL, sync_seq = nextval('stream_match_state_sync_seq')
          WHERE rank_floors IS NOT NULL;
        ELSIF TG_OP = 'INSERT' THEN
          UPDATE stream_match_state t SET rank_floors = NULL, sync_seq = nextval('stream_match_state_sync_seq')
          WHERE t.rank_floors IS NOT NULL
            AND t.id IN (SELECT supply_stream_id FROM new_rows UNION SELECT demand_stream_id FROM new_rows);
        ELSIF TG_OP = 'DELETE' THEN
          UPDATE stream_match_state t SET rank_floors = NULL, sync_seq = nextval('stream_match_state_sync_seq')
          WHERE t.rank_floors IS NOT NULL
            AND t.id IN (SELECT supply_stream_id FROM old_rows UNION SELECT demand_stream_id FROM old_rows);
        ELSE
          UPDATE stream_match_state t SET rank_floors = NULL, sync_seq = nextval('stream_match_state_sync_seq')
          WHERE t.rank_floors IS NOT NULL AND t.id IN (
            SELECT side.id FROM old_rows o JOIN new_rows n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES (n.supply_stream_id), (n.demand_stream_id), (o.supply_stream_id),
                                       (o.demand_stream_id)) AS side(id)
            WHERE (o.qualifies, o.score, o.energy_saved_mwh, o.route_km, o.supply_stream_id, o.demand_stream_id)
              IS DISTINCT FROM (n.qualifies, n.score, n.energy_saved_mwh, n.route_km, n.supply_stream_id,
                                n.demand_stream_id));
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER matches_forget_floors_insert AFTER INSERT ON matches REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION forget_rank_floors()`);
    await q.query(`
      CREATE TRIGGER matches_forget_floors_update AFTER UPDATE ON matches
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION forget_rank_floors()`);
    await q.query(`
      CREATE TRIGGER matches_forget_floors_delete AFTER DELETE ON matches REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION forget_rank_floors()`);
    await q.query(`
      CREATE TRIGGER matches_forget_floors_truncate AFTER TRUNCATE ON matches
      FOR EACH STATEMENT EXECUTE FUNCTION forget_rank_floors()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['insert', 'update', 'delete', 'truncate'])
      await q.query(`DROP TRIGGER matches_forget_floors_${t} ON matches`);
    await q.query(`DROP FUNCTION forget_rank_floors()`);
    await q.query(`ALTER TABLE stream_match_state DROP COLUMN rank_floors`);
  }
}
