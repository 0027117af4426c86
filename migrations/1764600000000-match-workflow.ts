import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Match workflow: which side acted on an event, and the notification feed of officers and
 * coordinators. New proposed matches reach the officers of both companies through a statement-level
 * trigger on matches, so the matcher's set-based upsert stays untouched and one INSERT of many
 * matches fans out in one INSERT … SELECT. Notifications never name the counterpart: the text holds
 * only the recipient's own stream and the counterpart's category, region and municipality.
 */
export class MatchWorkflow1764600000000 implements MigrationInterface {
  name = 'MatchWorkflow1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE match_events ADD COLUMN actor_side text CHECK (actor_side IN ('supply', 'demand'))`,
    );
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('match_proposed', 'counterpart_interest', 'mutual_interest',
          'match_declined', 'match_approved', 'match_rejected', 'match_activated', 'match_closed')),
        match_id uuid REFERENCES matches(id) ON DELETE CASCADE,
        stream_id uuid REFERENCES streams(id) ON DELETE CASCADE,
        message text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz
      )`);
    // The feed (newest first) and the unread badge of one user; cascades from deleted matches.
    await q.query(`CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL`);
    await q.query(`CREATE INDEX notifications_match_idx ON notifications (match_id)`);

    await q.query(`
      CREATE FUNCTION notify_new_matches() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO notifications (user_id, kind, match_id, stream_id, message, data)
        SELECT u.id, 'match_proposed', n.id, own.id,
               format('New %s match for your %s stream "%s": a %s in %s (%s)', n.category, own.direction,
                      own.title, other.direction, osite.municipality, osite.region),
               jsonb_build_object('category', n.category, 'ownStreamId', own.id, 'ownDirection', own.direction,
                 'counterpart', jsonb_build_object('direction', other.direction, 'category', other.category,
                   'region', osite.region, 'municipality', osite.municipality))
        FROM inserted_matches n
        CROSS JOIN LATERAL (VALUES (n.supply_stream_id, n.demand_stream_id),
                                   (n.demand_stream_id, n.supply_stream_id)) AS side(own_id, other_id)
        JOIN streams own ON own.id = side.own_id
        JOIN streams other ON other.id = side.other_id
        JOIN sites osite ON osite.id = other.site_id
        JOIN users u ON u.company_id = own.company_id AND u.role = 'officer' AND u.disabled_at IS NULL
        WHERE n.status = 'proposed' AND n.qualifies;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER matches_notify_new AFTER INSERT ON matches
      REFERENCING NEW TABLE AS inserted_matches
      FOR EACH STATEMENT EXECUTE FUNCTION notify_new_matches()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER matches_notify_new ON matches`);
    await q.query(`DROP FUNCTION notify_new_matches()`);
    await q.query(`DROP TABLE notifications`);
    await q.query(`ALTER TABLE match_events DROP COLUMN actor_side`);
  }
}
