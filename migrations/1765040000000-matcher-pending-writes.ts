import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rest of a big incremental job's write set, committed with the stream's own top K so that those
 * are readable at once: the pairs that enter other streams' lists and the pairs they push out (see
 * MatchingService.matchStream). Every matching transaction applies what is here before it reads
 * anything, so no decision ever sees the store in between; a worker that dies after the first commit
 * leaves the row for the next one.
 */
export class MatcherPendingWrites1765040000000 implements MigrationInterface {
  name = 'MatcherPendingWrites1765040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE matcher_pending_writes (
        id bigserial PRIMARY KEY,
        stream_id uuid NOT NULL,
        upserts text NOT NULL,
        deletes text NOT NULL,
        touched uuid[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE matcher_pending_writes`);
  }
}
