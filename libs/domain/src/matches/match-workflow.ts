/**
 * The match workflow as a pure transition table: (status, action, actor) → next status. No I/O; the
 * service (match-workflow.service.ts) applies a decision with optimistic concurrency and an event.
 *
 *   proposed ──interest (one side)──▶ proposed (that side's interest recorded)
 *   proposed ──interest (the other side too)──▶ mutual_interest
 *   proposed | mutual_interest ──decline (either side)──▶ declined
 *   proposed | mutual_interest ──reject (coordinator)──▶ rejected
 *   mutual_interest ──approve (coordinator)──▶ approved ──activate──▶ active ──close──▶ closed
 *
 * `expired` is set by the matcher only (a proposed pair that no longer qualifies); `closed`,
 * `declined`, `rejected` and `expired` are final for the workflow. Admins may do what coordinators do.
 *
 * Stale matches (a stream changed after the match left `proposed`): approve and activate fix the
 * numbers the exchange runs on, so on a stale match they need the coordinator to accept the fresh
 * estimate (`acceptFreshEstimate: true`, which re-freezes the agreed estimate and clears the flag),
 * else 409 STALE_ESTIMATE. A pair that no longer qualifies at all cannot be approved or activated.
 * Every other action is allowed on a stale match (declining, rejecting or closing needs no numbers).
 */

export const MATCH_STATUSES = [
  'proposed',
  'mutual_interest',
  'approved',
  'active',
  'closed',
  'declined',
  'rejected',
  'expired',
] as const;
export type MatchStatus = (typeof MATCH_STATUSES)[number];

export const MATCH_ACTIONS = ['interest', 'decline', 'approve', 'reject', 'activate', 'close'] as const;
export type MatchAction = (typeof MATCH_ACTIONS)[number];

/** Actions of a party (an officer of the supply or the demand side's company). */
export const OFFICER_ACTIONS: readonly MatchAction[] = ['interest', 'decline'];
/** Actions of platform staff (coordinators; admins may do what coordinators do). */
export const COORDINATOR_ACTIONS: readonly MatchAction[] = ['approve', 'reject', 'activate', 'close'];

/**
 * Who acts, relative to the match: an officer acts for the side whose stream belongs to their company
 * (the matcher never pairs a company with itself, so that side is unique).
 */
export const MATCH_ACTORS = ['supply_officer', 'demand_officer', 'coordinator', 'admin', 'province'] as const;
export type MatchActor = (typeof MATCH_ACTORS)[number];

export type MatchSide = 'supply' | 'demand';
export type SideInterest = 'interested' | 'declined' | null;

/** Statuses at which both parties have agreed to be introduced: names are revealed. */
export const REVEALED_STATUSES: ReadonlySet<MatchStatus> = new Set<MatchStatus>([
  'mutual_interest',
  'approved',
  'active',
  'closed',
]);

/** Statuses no action leaves. */
export const FINAL_STATUSES: ReadonlySet<MatchStatus> = new Set<MatchStatus>([
  'closed',
  'declined',
  'rejected',
  'expired',
]);

interface Rule {
  readonly by: 'officer' | 'coordinator';
  readonly to: MatchStatus;
}

/** The table. A (status, action) pair that is not listed is an illegal transition. */
export const TRANSITIONS: Readonly<Record<MatchStatus, Readonly<Partial<Record<MatchAction, Rule>>>>> = {
  proposed: {
    // → mutual_interest instead when the other side is already interested (see decideTransition).
    interest: { by: 'officer', to: 'proposed' },
    decline: { by: 'officer', to: 'declined' },
    reject: { by: 'coordinator', to: 'rejected' },
  },
  mutual_interest: {
    decline: { by: 'officer', to: 'declined' },
    reject: { by: 'coordinator', to: 'rejected' },
    approve: { by: 'coordinator', to: 'approved' },
  },
  approved: { activate: { by: 'coordinator', to: 'active' } },
  active: { close: { by: 'coordinator', to: 'closed' } },
  closed: {},
  declined: {},
  rejected: {},
  expired: {},
};

/** What the table needs of a match. */
export interface WorkflowState {
  status: MatchStatus;
  supplyInterest: SideInterest;
  demandInterest: SideInterest;
}

export type TransitionDecision =
  | {
      ok: true;
      from: MatchStatus;
      to: MatchStatus;
      /** The acting side's interest to record, for officer actions. */
      side: MatchSide | null;
      interest: SideInterest;
    }
  | {
      ok: false;
      /** `forbidden`: this actor may never take this action (403); `illegal`: not from this state (409). */
      error: 'forbidden' | 'illegal';
      message: string;
    };

export function sideOf(actor: MatchActor): MatchSide | null {
  return actor === 'supply_officer' ? 'supply' : actor === 'demand_officer' ? 'demand' : null;
}

/** May this actor ever take this action (independent of the match's status)? */
export function actorMayTake(actor: MatchActor, action: MatchAction): boolean {
  if (actor === 'province') return false;
  if (OFFICER_ACTIONS.includes(action)) return sideOf(actor) !== null;
  return actor === 'coordinator' || actor === 'admin';
}

/** The pure decision: next status and interest, or why not. */
export function decideTransition(
  state: WorkflowState,
  action: MatchAction,
  actor: MatchActor,
): TransitionDecision {
  if (!actorMayTake(actor, action)) {
    return {
      ok: false,
      error: 'forbidden',
      message: `A ${actor.replace('_', ' ')} may not ${action} a match`,
    };
  }
  const rule = TRANSITIONS[state.status][action];
  const illegal = (why = `Cannot ${action} a match that is ${state.status}`): TransitionDecision => ({
    ok: false,
    error: 'illegal',
    message: why,
  });
  if (!rule) return illegal();
  const side = sideOf(actor);
  if (action === 'interest' && side) {
    const own = side === 'supply' ? state.supplyInterest : state.demandInterest;
    const other = side === 'supply' ? state.demandInterest : state.supplyInterest;
    if (own === 'interested') return illegal(`Your side has already said it is interested in this match`);
    return {
      ok: true,
      from: state.status,
      to: other === 'interested' ? 'mutual_interest' : rule.to,
      side,
      interest: 'interested',
    };
  }
  if (action === 'decline' && side) {
    return { ok: true, from: state.status, to: rule.to, side, interest: 'declined' };
  }
  return { ok: true, from: state.status, to: rule.to, side: null, interest: null };
}

/** Actions that fix the numbers an exchange runs on, so they need a current estimate. */
export const ESTIMATE_BINDING_ACTIONS: readonly MatchAction[] = ['approve', 'activate'];

export type StaleDecision =
  | { ok: true; refreeze: boolean }
  | { ok: false; reason: 'stale_estimate' | 'no_longer_qualifies'; message: string };

/**
 * The stale rule, applied after a legal decision: approve and activate of a stale match need
 * `acceptFreshEstimate` (the agreed estimate is then replaced by the fresh one); a pair that no
 * longer qualifies cannot be approved or activated at all.
 */
export function decideStale(
  match: { stale: boolean; qualifies: boolean },
  action: MatchAction,
  acceptFreshEstimate: boolean,
): StaleDecision {
  if (!ESTIMATE_BINDING_ACTIONS.includes(action)) return { ok: true, refreeze: false };
  if (!match.qualifies) {
    return {
      ok: false,
      reason: 'no_longer_qualifies',
      message: `The pair no longer qualifies (a stream changed or left the market); it cannot be ${action === 'approve' ? 'approved' : 'activated'}`,
    };
  }
  if (!match.stale) return { ok: true, refreeze: false };
  if (!acceptFreshEstimate) {
    return {
      ok: false,
      reason: 'stale_estimate',
      message:
        'A stream changed after the estimate was agreed; compare `agreedEstimate` with the fresh `estimate` ' +
        'and repeat with `acceptFreshEstimate: true` to continue on the fresh numbers',
    };
  }
  return { ok: true, refreeze: true };
}
