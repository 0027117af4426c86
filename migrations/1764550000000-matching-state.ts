import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the matcher last processed of each stream. Incremental jobs score against this state rather
 * than the live rows, so every job turns a store consistent with one state into a store consistent
 * with the next; a stream's newer data enters only through its own job.
 */
export class MatchingState1764550000000 implements MigrationInterface {
  name = 'MatchingState1764550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stream_match_state (
        id uuid PRIMARY KEY REFERENCES streams(id) ON DELETE CASCADE,
        company_id uuid NOT NULL,
        status text NOT NULL,
        version integer NOT NULL,
        direction text NOT NULL,
        category text NOT NULL,
        annual_quantity double precision NOT NULL,
        quality jsonb NOT NULL,
        current_handling text,
        current_source text,
        available_from date,
        available_until date,
        max_distance_km double precision,
        regulatory_status text,
        latitude double precision NOT NULL,
        longitude double precision NOT NULL,
        country char(2) NOT NULL,
        has_quay boolean NOT NULL,
        has_rail boolean NOT NULL
      )`);
    await q.query(
      `CREATE INDEX stream_match_state_candidates_idx ON stream_match_state (category, direction, latitude, longitude)
       WHERE status = 'active'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE stream_match_state`);
  }
}
