/**
 * A stream's lifecycle as a pure table:
 *
 *   draft ──publish──> active <──pause / resume──> paused
 *     │                  │  \                       │  \
 *     └──withdraw──> withdrawn <────withdraw────────┘   expire (system, availableUntil passed)
 *                        ▲                               │
 *                 active ┴──expire (system)──> expired <─┘
 *
 * `withdrawn` and `expired` are terminal. Users ask for a target status (`active`, `paused`,
 * `withdrawn`); only the system moves a stream to `expired`.
 */
export const STREAM_STATUSES = ['draft', 'active', 'paused', 'withdrawn', 'expired'] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];

/** Statuses a stream may be created in. */
export const INITIAL_STATUSES = ['draft', 'active'] as const satisfies readonly StreamStatus[];
export type InitialStatus = (typeof INITIAL_STATUSES)[number];

/** Statuses a user may ask for with `POST /streams/:id/status`. */
export const REQUESTABLE_STATUSES = [
  'active',
  'paused',
  'withdrawn',
] as const satisfies readonly StreamStatus[];
export type RequestableStatus = (typeof REQUESTABLE_STATUSES)[number];

export type StreamAction = 'publish' | 'pause' | 'resume' | 'withdraw' | 'expire';
export type StreamActor = 'user' | 'system';

interface Transition {
  action: StreamAction;
  by: StreamActor;
  /**
   * Whether the move can change matches (the stream enters or leaves the active set), so the
   * stream's version is bumped and it is re-matched. Withdrawing a draft cannot: it never matched.
   */
  affectsMatching: boolean;
}

const TRANSITIONS: Readonly<Record<StreamStatus, Partial<Record<StreamStatus, Transition>>>> = {
  draft: {
    active: { action: 'publish', by: 'user', affectsMatching: true },
    withdrawn: { action: 'withdraw', by: 'user', affectsMatching: false },
  },
  active: {
    paused: { action: 'pause', by: 'user', affectsMatching: true },
    withdrawn: { action: 'withdraw', by: 'user', affectsMatching: true },
    expired: { action: 'expire', by: 'system', affectsMatching: true },
  },
  paused: {
    active: { action: 'resume', by: 'user', affectsMatching: true },
    withdrawn: { action: 'withdraw', by: 'user', affectsMatching: true },
    expired: { action: 'expire', by: 'system', affectsMatching: true },
  },
  withdrawn: {},
  expired: {},
};

export type TransitionResult =
  { ok: true; action: StreamAction; affectsMatching: boolean } | { ok: false; reason: string };

/** Whether `actor` may move a stream from `from` to `to`, and what the move means. */
export function streamTransition(from: StreamStatus, to: StreamStatus, actor: StreamActor): TransitionResult {
  const t = TRANSITIONS[from]?.[to];
  if (!t) {
    return {
      ok: false,
      reason:
        from === to
          ? `The stream is already ${from}`
          : isTerminal(from)
            ? `The stream is ${from}; a ${from} stream cannot change status`
            : `Cannot move a stream from ${from} to ${to}`,
    };
  }
  if (t.by === 'system' && actor !== 'system') {
    return { ok: false, reason: `Only the system moves a stream to ${to}` };
  }
  return { ok: true, action: t.action, affectsMatching: t.affectsMatching };
}

/** Targets reachable from a status (for error messages and docs). */
export function allowedTargets(from: StreamStatus, actor: StreamActor): StreamStatus[] {
  return (Object.entries(TRANSITIONS[from]) as [StreamStatus, Transition][])
    .filter(([, t]) => actor === 'system' || t.by === 'user')
    .map(([to]) => to);
}

export function isTerminal(status: StreamStatus): boolean {
  return Object.keys(TRANSITIONS[status]).length === 0;
}

/** Editing is allowed until the stream is withdrawn or expired. */
export function isEditable(status: StreamStatus): boolean {
  return !isTerminal(status);
}

/** Statuses the expiry job moves to `expired` once availableUntil has passed. */
export const EXPIRABLE_STATUSES: readonly StreamStatus[] = STREAM_STATUSES.filter(
  (s) => TRANSITIONS[s].expired !== undefined,
);
