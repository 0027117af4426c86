import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The demand side's rank index was partial (WHERE qualifies), so every lookup of a demand's matches
 * that is not restricted to qualifying rows — a demand stream's match list (supply OR demand), the
 * matcher's own stored pairs, the foreign key's cascade — fell back to the second column of the
 * (supply, demand) unique index: a full index scan, 145 ms at 3.6 million matches. The same index
 * over all rows, with `qualifies` included for index-only rank queries, serves both; writes keep the
 * same number of indexes.
 */
export class MatchesDemandIndex1764990000000 implements MigrationInterface {
  name = 'MatchesDemandIndex1764990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX matches_demand_rank_idx`);
    await q.query(
      `CREATE INDEX matches_demand_rank_idx ON matches
         (demand_stream_id, score DESC, energy_saved_mwh DESC, route_km, supply_stream_id) INCLUDE (qualifies)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX matches_demand_rank_idx`);
    await q.query(
      `CREATE INDEX matches_demand_rank_idx ON matches
         (demand_stream_id, score DESC, energy_saved_mwh DESC, route_km, supply_stream_id) WHERE qualifies`,
    );
  }
}
