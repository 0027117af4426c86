import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * New proposals are announced after the matcher's commit, never inside its write: every insert of
 * proposed matches queues their ids in match_proposal_outbox (same transaction, so none is lost) and
 * the worker delivers them right after the job (and on every sweep). Notifying inline cost a new
 * stream in a dense region 5–20 ms of its write — a third of its time to readable matches. The
 * `symbiose.notify_inline_max` setting still notifies small writes inline where a caller wants that.
 */
export class MatchProposalsAfterCommit1765010000000 implements MigrationInterface {
  name = 'MatchProposalsAfterCommit1765010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(trigger(0));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(trigger(1000));
  }
}

function trigger(defaultInlineMax: number): string {
  return `
    CREATE OR REPLACE FUNCTION notify_new_matches() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      ids uuid[];
      inline_max integer := coalesce(nullif(current_setting('symbiose.notify_inline_max', true), '')::integer,
                                     ${defaultInlineMax});
    BEGIN
      SELECT array_agg(id) INTO ids FROM inserted_matches WHERE status = 'proposed' AND qualifies;
      IF ids IS NULL THEN
        RETURN NULL;
      ELSIF cardinality(ids) <= inline_max THEN
        PERFORM digest_match_proposals(ids);
      ELSE
        INSERT INTO match_proposal_outbox (match_ids) VALUES (ids);
      END IF;
      RETURN NULL;
    END $$`;
}
