import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a match is listed (GET /streams/:id/matches, GET /matches) becomes a stored generated
 * column, carried in both rank indexes: a stream's page is then ranked and counted by an index-only
 * scan of the stream's rows, and only the page's rows are read from the table. Before, every row of
 * the stream was read for its status and stale flag: 87 rows for a typical supply, 2,868 for the
 * largest demand of the 100,000-stream bench region (25.8 ms with its pages not in memory).
 *
 * Listed: it qualifies or a party acted on it (any status but proposed); of the expired ones only
 * those kept as stale.
 */
export class MatchesListedColumn1765110000000 implements MigrationInterface {
  name = 'MatchesListedColumn1765110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE matches ADD COLUMN listed boolean NOT NULL
         GENERATED ALWAYS AS ((qualifies OR status <> 'proposed') AND (status <> 'expired' OR stale)) STORED`,
    );
    await q.query(`DROP INDEX matches_demand_rank_idx`);
    await q.query(
      `CREATE INDEX matches_demand_rank_idx ON matches
         (demand_stream_id, score DESC, energy_saved_mwh DESC, route_km, supply_stream_id) INCLUDE (qualifies, listed)`,
    );
    await q.query(`ALTER TABLE matches DROP CONSTRAINT matches_pair_unique`);
    await q.query(
      `ALTER TABLE matches ADD CONSTRAINT matches_pair_unique UNIQUE (supply_stream_id, demand_stream_id)
         INCLUDE (score, energy_saved_mwh, route_km, qualifies, listed)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE matches DROP CONSTRAINT matches_pair_unique`);
    await q.query(
      `ALTER TABLE matches ADD CONSTRAINT matches_pair_unique UNIQUE (supply_stream_id, demand_stream_id)
         INCLUDE (score, energy_saved_mwh, route_km, qualifies)`,
    );
    await q.query(`DROP INDEX matches_demand_rank_idx`);
    await q.query(
      `CREATE INDEX matches_demand_rank_idx ON matches
         (demand_stream_id, score DESC, energy_saved_mwh DESC, route_km, supply_stream_id) INCLUDE (qualifies)`,
    );
    await q.query(`ALTER TABLE matches DROP COLUMN listed`);
  }
}
