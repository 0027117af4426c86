import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The two rank indexes (stream, score, energy, route, other stream) were the largest part of a match
 * row's write: 56-byte keys in random order, 380–405 MB each at 3.6 million matches. Loading those
 * rows in the full re-match's batches took 69 s with them and 17 s without (heap, primary key and pair
 * index alone); a narrow demand index (deduplicated, 34 MB) brings it back to 28 s.
 *
 * Every read of a stream's matches is bounded by its list (its K best, the pairs it holds in other
 * streams' K best and acted-on rows: about 70 at 100,000 streams), so the reads find a stream's rows
 * by stream id — a supply's through the (supply, demand) unique index, a demand's through this one —
 * and sort those few rows themselves.
 */
export class MatchesNarrowStreamIndexes1765050000000 implements MigrationInterface {
  name = 'MatchesNarrowStreamIndexes1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX matches_supply_rank_idx`);
    await q.query(`DROP INDEX matches_demand_rank_idx`);
    await q.query(`CREATE INDEX matches_demand_idx ON matches (demand_stream_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX matches_demand_idx`);
    await q.query(
      `CREATE INDEX matches_supply_rank_idx ON matches
         (supply_stream_id, score DESC, energy_saved_mwh DESC, route_km, demand_stream_id) WHERE qualifies`,
    );
    await q.query(
      `CREATE INDEX matches_demand_rank_idx ON matches
         (demand_stream_id, score DESC, energy_saved_mwh DESC, route_km, supply_stream_id) INCLUDE (qualifies)`,
    );
  }
}
