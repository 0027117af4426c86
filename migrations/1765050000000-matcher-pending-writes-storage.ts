import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A big incremental job queues the rest of its write set as JSON text (hundreds of kilobytes) in the
 * transaction that makes the stream's own matches readable. Stored out of line without compression:
 * Postgres' default compression of such a value took 14 ms per 0.5 MB on the bench machine, 4.5 ms
 * without it, and the row lives only until the same job applies it right after its commit.
 */
export class MatcherPendingWritesStorage1765050000000 implements MigrationInterface {
  name = 'MatcherPendingWritesStorage1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE matcher_pending_writes
        ALTER COLUMN upserts SET STORAGE EXTERNAL,
        ALTER COLUMN deletes SET STORAGE EXTERNAL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE matcher_pending_writes
        ALTER COLUMN upserts SET STORAGE EXTENDED,
        ALTER COLUMN deletes SET STORAGE EXTENDED`);
  }
}
