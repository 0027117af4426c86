import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError, ErrorCode, rowsOf } from '@symbiose/core';
import { CURRENT_FACTOR_SET, ENGINE_VERSION, estimatePair, Explanation } from '@symbiose/engine';
import { DataSource, EntityManager } from 'typeorm';
import { Principal } from '../identity/principal';
import { STREAM_COLUMNS, StreamRow, toMatchable } from '../matching/matching.types';
import { MatchNotification, NotificationsService } from '../notifications/notifications.service';
import { MatchTransitionEvent, MatchTransitionHooks } from './match-transition-hooks';
import {
  decideStale,
  decideTransition,
  MatchAction,
  MatchActor,
  MatchSide,
  MatchStatus,
  SideInterest,
} from './match-workflow';

/** What a caller sends with a transition. */
export interface MatchTransitionInput {
  /** The match version the caller read (optimistic concurrency). */
  version: number;
  note?: string | null;
  /** Coordinators: continue a stale match on the fresh estimate (see decideStale). */
  acceptFreshEstimate?: boolean;
}

export interface MatchTransitionResult {
  matchId: string;
  action: MatchAction;
  from: MatchStatus;
  to: MatchStatus;
  version: number;
  at: Date;
}

/**
 * The estimate both parties agreed on, frozen when the match leaves `proposed` (first interest, or
 * approve if none was frozen) and re-frozen when a coordinator accepts a fresh estimate. Computed
 * with the engine from the two streams, so the explanation reproduces every number in it.
 */
export interface AgreedEstimate {
  exchangedQuantity: { amount: number; unit: string };
  distanceKm: number;
  routeKm: number;
  transportMode: string;
  energySavedMWhPerYear: number;
  co2AvoidedTonnesPerYear: number;
  grossCo2TonnesPerYear: number;
  deductedCo2TonnesPerYear: number;
  score: number;
  flags: string[];
  explanation: Explanation;
  engineVersion: string;
  factorSetVersion: string;
  streamVersions: { supply: number; demand: number };
  agreedAt: string;
  agreedOn: MatchAction;
}

interface WorkflowRow {
  id: string;
  status: MatchStatus;
  version: number;
  stale: boolean;
  qualifies: boolean;
  category: string;
  supply_interest: SideInterest;
  demand_interest: SideInterest;
  agreed_estimate: AgreedEstimate | null;
  supply_stream_id: string;
  demand_stream_id: string;
  supply_company_id: string;
  demand_company_id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Numbers whose change makes an agreed estimate stale (the same the matcher compares). */
function sameNumbers(a: AgreedEstimate, b: AgreedEstimate): boolean {
  return (
    a.score === b.score &&
    a.energySavedMWhPerYear === b.energySavedMWhPerYear &&
    a.exchangedQuantity.amount === b.exchangedQuantity.amount &&
    a.routeKm === b.routeKm
  );
}

/**
 * Applies the workflow table (match-workflow.ts) to stored matches. One transaction per transition:
 * read, decide, `UPDATE … WHERE id = $1 AND version = $2`, event, hooks, notifications. A stale
 * version or an illegal transition changes nothing.
 */
@Injectable()
export class MatchWorkflowService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly hooks: MatchTransitionHooks,
    private readonly notifications: NotificationsService,
  ) {}

  async transition(
    principal: Principal,
    matchId: string,
    action: MatchAction,
    input: MatchTransitionInput,
  ): Promise<MatchTransitionResult> {
    if (!UUID.test(matchId)) throw DomainError.notFound('Match');
    return this.db.transaction(async (manager) => {
      const row = await this.load(manager, matchId);
      if (!row) throw DomainError.notFound('Match');
      const actor = this.actorOf(principal, row);
      if (row.version !== input.version) throw DomainError.versionConflict(input.version, row.version);

      const decision = decideTransition(
        { status: row.status, supplyInterest: row.supply_interest, demandInterest: row.demand_interest },
        action,
        actor,
      );
      if (!decision.ok) {
        throw decision.error === 'forbidden'
          ? DomainError.forbidden(decision.message)
          : new DomainError(ErrorCode.IllegalTransition, decision.message);
      }
      const staleDecision = decideStale(row, action, input.acceptFreshEstimate === true);
      if (!staleDecision.ok) throw new DomainError(ErrorCode.StaleEstimate, staleDecision.message);

      // Freeze the estimate when the match leaves `proposed`, or re-freeze an accepted fresh one.
      let agreed: AgreedEstimate | null = null;
      let stale: boolean | null = null;
      if (
        staleDecision.refreeze ||
        (row.agreed_estimate === null && (action === 'interest' || action === 'approve'))
      ) {
        agreed = await this.freshEstimate(manager, row, action);
        if (staleDecision.refreeze) stale = false;
      } else if (decision.to === 'mutual_interest' && row.agreed_estimate) {
        // The first side agreed on the frozen numbers; if they moved since, the coordinator must see it.
        // (The matcher flags acted-on rows itself, but treats a one-sided `proposed` row as untouched.)
        const fresh = await this.freshEstimate(manager, row, action);
        if (!sameNumbers(row.agreed_estimate, fresh)) stale = true;
      }

      const updated = rowsOf<{ version: number }>(
        await manager.query(
          `UPDATE matches SET status = $3, version = version + 1,
             supply_interest = CASE WHEN $4::text = 'supply' THEN $5::text ELSE supply_interest END,
             demand_interest = CASE WHEN $4::text = 'demand' THEN $5::text ELSE demand_interest END,
             agreed_estimate = COALESCE($6::jsonb, agreed_estimate),
             stale = COALESCE($7::boolean, stale),
             updated_at = now()
           WHERE id = $1 AND version = $2 AND status = $8 AND ($9::boolean IS NULL OR stale = $9::boolean)
           RETURNING version`,
          [
            row.id,
            row.version,
            decision.to,
            decision.side,
            decision.interest,
            agreed ? JSON.stringify(agreed) : null,
            stale,
            row.status,
            // Approve/activate decided on the stale flag they read: if the matcher flagged the match
            // meanwhile, the decision no longer holds.
            action === 'approve' || action === 'activate' ? row.stale : null,
          ],
        ),
      );
      if (updated.length === 0) await this.explainLostRace(manager, row);

      const [event] = (await manager.query(
        `INSERT INTO match_events (match_id, actor_user_id, actor_role, actor_side, action, from_status, to_status, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING created_at`,
        [
          row.id,
          principal.userId,
          principal.role,
          decision.side,
          action,
          decision.from,
          decision.to,
          input.note ?? null,
        ],
      )) as { created_at: Date }[];
      const transition: MatchTransitionEvent = {
        matchId: row.id,
        from: decision.from,
        to: decision.to,
        action,
        at: event.created_at,
        actorUserId: principal.userId,
      };
      await this.hooks.run(manager, transition);
      for (const n of this.notificationsFor(row, action, decision.side, decision.from, decision.to)) {
        await this.notifications.notifyMatch(manager, n);
      }
      return { ...transition, version: updated[0].version };
    });
  }

  private async load(manager: EntityManager, id: string): Promise<WorkflowRow | undefined> {
    const [row] = (await manager.query(
      `SELECT m.id, m.status, m.version, m.stale, m.qualifies, m.category, m.supply_interest, m.demand_interest,
              m.agreed_estimate, m.supply_stream_id, m.demand_stream_id,
              s.company_id AS supply_company_id, d.company_id AS demand_company_id
       FROM matches m JOIN streams s ON s.id = m.supply_stream_id JOIN streams d ON d.id = m.demand_stream_id
       WHERE m.id = $1`,
      [id],
    )) as WorkflowRow[];
    return row;
  }

  /** The caller's part in this match; an officer of neither side gets a 404 (never reveal ids). */
  private actorOf(principal: Principal, row: WorkflowRow): MatchActor {
    if (principal.role === 'officer') {
      if (principal.companyId && principal.companyId === row.supply_company_id) return 'supply_officer';
      if (principal.companyId && principal.companyId === row.demand_company_id) return 'demand_officer';
      throw DomainError.notFound('Match');
    }
    return principal.role;
  }

  /** The UPDATE matched nothing: someone else changed the match between our read and our write. */
  private async explainLostRace(manager: EntityManager, read: WorkflowRow): Promise<never> {
    const [now] = (await manager.query(`SELECT version, stale FROM matches WHERE id = $1`, [read.id])) as {
      version: number;
      stale: boolean;
    }[];
    if (now && now.version === read.version && now.stale !== read.stale) {
      throw new DomainError(
        ErrorCode.StaleEstimate,
        'The match was flagged stale while you acted; compare `agreedEstimate` with `estimate` and repeat ' +
          'with `acceptFreshEstimate: true` to continue on the fresh numbers',
      );
    }
    throw DomainError.versionConflict(read.version, now?.version ?? read.version + 1);
  }

  /** The engine's estimate of the pair from the current streams, in the shape frozen as agreed. */
  private async freshEstimate(
    manager: EntityManager,
    row: WorkflowRow,
    action: MatchAction,
  ): Promise<AgreedEstimate> {
    const streams = (await manager.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
      [row.supply_stream_id, row.demand_stream_id],
    ])) as StreamRow[];
    const supply = streams.find((s) => s.id === row.supply_stream_id);
    const demand = streams.find((s) => s.id === row.demand_stream_id);
    if (!supply || !demand) throw DomainError.notFound('Match');
    const e = estimatePair(toMatchable(supply), toMatchable(demand), CURRENT_FACTOR_SET);
    if (!e.ok) {
      // Only the reason code: the engine's detail can quote the counterpart's numbers.
      throw new DomainError(
        ErrorCode.StaleEstimate,
        `A stream changed and the pair no longer qualifies (${e.reason}); the matcher will update the match`,
      );
    }
    return {
      exchangedQuantity: { ...e.exchangedQuantity },
      distanceKm: e.distanceKm,
      routeKm: e.routeKm,
      transportMode: e.transportMode,
      energySavedMWhPerYear: e.energySavedMWhPerYear,
      co2AvoidedTonnesPerYear: e.co2AvoidedTonnesPerYear,
      grossCo2TonnesPerYear: e.grossCo2TonnesPerYear,
      deductedCo2TonnesPerYear: e.deductedCo2TonnesPerYear,
      score: e.score,
      flags: [...e.flags],
      explanation: e.explanation,
      engineVersion: ENGINE_VERSION,
      factorSetVersion: CURRENT_FACTOR_SET.version,
      streamVersions: { supply: supply.version, demand: demand.version },
      agreedAt: new Date().toISOString(),
      agreedOn: action,
    };
  }

  /** Who hears of this transition. Texts never name the counterpart (see NotificationsService). */
  private notificationsFor(
    row: WorkflowRow,
    action: MatchAction,
    side: MatchSide | null,
    from: MatchStatus,
    to: MatchStatus,
  ): MatchNotification[] {
    const other: MatchSide | null = side === 'supply' ? 'demand' : side === 'demand' ? 'supply' : null;
    const cat = row.category;
    const base = { matchId: row.id, data: { action, from, to } };
    const both = (kind: MatchNotification['kind'], template: string): MatchNotification[] => [
      { ...base, kind, audience: { kind: 'side', side: 'supply' }, template },
      { ...base, kind, audience: { kind: 'side', side: 'demand' }, template },
    ];
    switch (action) {
      case 'interest':
        if (to === 'mutual_interest') {
          return [
            ...both(
              'mutual_interest',
              `Both sides are interested in the ${cat} match for your {ownDirection} stream "{ownTitle}": ` +
                `you can now see who the counterpart is`,
            ),
            {
              ...base,
              kind: 'mutual_interest',
              audience: { kind: 'coordinators' },
              template: `A ${cat} match has mutual interest and awaits approval`,
            },
          ];
        }
        return other
          ? [
              {
                ...base,
                kind: 'counterpart_interest',
                audience: { kind: 'side', side: other },
                template: `The other side is interested in the ${cat} match for your {ownDirection} stream "{ownTitle}"`,
              },
            ]
          : [];
      case 'decline': {
        const out: MatchNotification[] = other
          ? [
              {
                ...base,
                kind: 'match_declined',
                audience: { kind: 'side', side: other },
                template: `The other side declined the ${cat} match for your {ownDirection} stream "{ownTitle}"`,
              },
            ]
          : [];
        if (from === 'mutual_interest') {
          out.push({
            ...base,
            kind: 'match_declined',
            audience: { kind: 'coordinators' },
            template: `A ${cat} match awaiting approval was declined by one side`,
          });
        }
        return out;
      }
      case 'approve':
        return both(
          'match_approved',
          `The ${cat} match for your {ownDirection} stream "{ownTitle}" was approved`,
        );
      case 'reject':
        return both(
          'match_rejected',
          `The ${cat} match for your {ownDirection} stream "{ownTitle}" was rejected`,
        );
      case 'activate':
        return both(
          'match_activated',
          `The ${cat} exchange for your {ownDirection} stream "{ownTitle}" is now active`,
        );
      case 'close':
        return both(
          'match_closed',
          `The ${cat} exchange for your {ownDirection} stream "{ownTitle}" was closed`,
        );
    }
  }
}
