import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The supply side's rank index goes; the (supply, demand) unique key carries the rank columns instead
 * (INCLUDE), so a supply's ranked reads (the matcher's floors, a supply's K-th best) are index-only
 * scans of its ~90 rows and a sort. A full re-match builds every index of matches anew: at 3.6 million
 * rows the four builds, two at a time, took 7.3–7.7 s with psql, the three left 5.3–5.9 s. The floors'
 * supply side for 300 heat supplies went from 6–9 to 16–19 ms; every write of a match maintains one
 * index less.
 */
export class MatchesPairKeyRanks1765070000000 implements MigrationInterface {
  name = 'MatchesPairKeyRanks1765070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX matches_supply_rank_idx`);
    await q.query(`ALTER TABLE matches DROP CONSTRAINT matches_pair_unique`);
    await q.query(
      `ALTER TABLE matches ADD CONSTRAINT matches_pair_unique UNIQUE (supply_stream_id, demand_stream_id)
         INCLUDE (score, energy_saved_mwh, route_km, qualifies)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE matches DROP CONSTRAINT matches_pair_unique`);
    await q.query(
      `ALTER TABLE matches ADD CONSTRAINT matches_pair_unique UNIQUE (supply_stream_id, demand_stream_id)`,
    );
    await q.query(
      `CREATE INDEX matches_supply_rank_idx ON matches
         (supply_stream_id, score DESC, energy_saved_mwh DESC, route_km, demand_stream_id) WHERE qualifies`,
    );
  }
}
