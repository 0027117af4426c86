import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError, rowsOf } from '@symbiose/core';
import { DataSource, EntityManager } from 'typeorm';
import { Paginated } from '../identity/page';
import { Principal } from '../identity/principal';

export const NOTIFICATION_KINDS = [
  'match_proposed',
  /** A digest of many proposals for one own stream (after a full re-match); matchId is null. */
  'matches_proposed',
  'counterpart_interest',
  'mutual_interest',
  'match_declined',
  'match_approved',
  'match_rejected',
  'match_activated',
  'match_closed',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface NotificationView {
  id: string;
  kind: NotificationKind;
  matchId: string | null;
  streamId: string | null;
  message: string;
  data: Record<string, unknown>;
  createdAt: string;
  read: boolean;
  readAt: string | null;
}

interface NotificationRow {
  id: string;
  kind: NotificationKind;
  match_id: string | null;
  stream_id: string | null;
  message: string;
  data: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
  total?: string;
}

/** Who hears of a match transition: officers of a side's company (about their own stream), or coordinators. */
export type NotificationAudience = { kind: 'side'; side: 'supply' | 'demand' } | { kind: 'coordinators' };

export interface MatchNotification {
  matchId: string;
  kind: NotificationKind;
  audience: NotificationAudience;
  /**
   * The text. `{ownTitle}` and `{ownDirection}` are replaced per side with the recipient's own
   * stream; it must never carry anything of the counterpart beyond category, region, municipality.
   */
  template: string;
  data?: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The notification feed of officers and coordinators. Rows are fanned out per recipient when the
 * event happens: new proposed matches by a trigger on matches (migration 1764600000000), workflow
 * transitions by `notifyMatch` inside the transition's transaction. Nothing here names a counterpart.
 */
@Injectable()
export class NotificationsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(
    principal: Principal,
    page: number,
    pageSize: number,
    unreadOnly = false,
  ): Promise<Paginated<NotificationView>> {
    const rows = (await this.db.query(
      `SELECT n.id, n.kind, n.match_id, n.stream_id, n.message, n.data, n.created_at, n.read_at,
              count(*) OVER () AS total
       FROM notifications n
       WHERE n.user_id = $1 AND ($2::boolean IS NOT TRUE OR n.read_at IS NULL)
       ORDER BY n.created_at DESC, n.id DESC
       LIMIT $3 OFFSET $4`,
      [principal.userId, unreadOnly, pageSize, (page - 1) * pageSize],
    )) as NotificationRow[];
    const total = rows.length ? Number(rows[0].total) : await this.count(principal, unreadOnly);
    return { items: rows.map(toView), page, pageSize, total };
  }

  async unreadCount(principal: Principal): Promise<{ unread: number }> {
    return { unread: await this.count(principal, true) };
  }

  async markRead(principal: Principal, id: string): Promise<NotificationView> {
    if (!UUID.test(id)) throw DomainError.notFound('Notification');
    // COALESCE keeps the first read time: marking twice is harmless.
    const rows = rowsOf<NotificationRow>(
      await this.db.query(
        `UPDATE notifications SET read_at = COALESCE(read_at, now())
         WHERE id = $1 AND user_id = $2
         RETURNING id, kind, match_id, stream_id, message, data, created_at, read_at`,
        [id, principal.userId],
      ),
    );
    if (!rows[0]) throw DomainError.notFound('Notification');
    return toView(rows[0]);
  }

  async markAllRead(principal: Principal): Promise<{ marked: number; unread: number }> {
    const rows = rowsOf<{ id: string }>(
      await this.db.query(
        `UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL RETURNING id`,
        [principal.userId],
      ),
    );
    return { marked: rows.length, unread: 0 };
  }

  /** Fans a match notification out to its audience, in the caller's transaction. */
  async notifyMatch(manager: EntityManager, n: MatchNotification): Promise<void> {
    if (n.audience.kind === 'coordinators') {
      await manager.query(
        `INSERT INTO notifications (user_id, kind, match_id, message, data)
         SELECT u.id, $2, m.id,
                replace(replace($3, '{ownTitle}', ''), '{ownDirection}', ''),
                $4::jsonb || jsonb_build_object('category', m.category)
         FROM matches m JOIN users u ON u.role = 'coordinator' AND u.disabled_at IS NULL
         WHERE m.id = $1`,
        [n.matchId, n.kind, n.template, JSON.stringify(n.data ?? {})],
      );
      return;
    }
    const column = n.audience.side === 'supply' ? 'supply_stream_id' : 'demand_stream_id';
    await manager.query(
      `INSERT INTO notifications (user_id, kind, match_id, stream_id, message, data)
       SELECT u.id, $2, m.id, own.id,
              replace(replace($3, '{ownTitle}', own.title), '{ownDirection}', own.direction),
              $4::jsonb || jsonb_build_object('category', m.category, 'ownStreamId', own.id,
                                              'ownDirection', own.direction)
       FROM matches m JOIN streams own ON own.id = m.${column}
       JOIN users u ON u.company_id = own.company_id AND u.role = 'officer' AND u.disabled_at IS NULL
       WHERE m.id = $1`,
      [n.matchId, n.kind, n.template, JSON.stringify(n.data ?? {})],
    );
  }

  private async count(principal: Principal, unreadOnly: boolean): Promise<number> {
    const [row] = (await this.db.query(
      `SELECT count(*) AS n FROM notifications WHERE user_id = $1 AND ($2::boolean IS NOT TRUE OR read_at IS NULL)`,
      [principal.userId, unreadOnly],
    )) as { n: string }[];
    return Number(row?.n ?? 0);
  }
}

function toView(r: NotificationRow): NotificationView {
  return {
    id: r.id,
    kind: r.kind,
    matchId: r.match_id,
    streamId: r.stream_id,
    message: r.message,
    data: r.data,
    createdAt: r.created_at.toISOString(),
    read: r.read_at !== null,
    readAt: r.read_at ? r.read_at.toISOString() : null,
  };
}
