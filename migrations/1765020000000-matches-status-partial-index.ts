import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The status index covered every match, though almost all are `proposed` and nothing reads proposed
 * matches by status through it (a proposed listing is by stream or by score). Partial on the statuses
 * a coordinator's queue filters on (mutual interest awaiting approval, approved, active…), it stays as
 * useful for those and costs the matcher's inserts of proposed rows nothing.
 */
export class MatchesStatusPartialIndex1765020000000 implements MigrationInterface {
  name = 'MatchesStatusPartialIndex1765020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX matches_status_idx`);
    await q.query(
      `CREATE INDEX matches_status_idx ON matches (status, score DESC, energy_saved_mwh DESC)
       WHERE status <> 'proposed'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX matches_status_idx`);
    await q.query(`CREATE INDEX matches_status_idx ON matches (status, updated_at)`);
  }
}
