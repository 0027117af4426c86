import {
  actorMayTake,
  decideStale,
  decideTransition,
  MATCH_ACTIONS,
  MATCH_ACTORS,
  MATCH_STATUSES,
  MatchAction,
  MatchActor,
  MatchStatus,
  SideInterest,
  TRANSITIONS,
  WorkflowState,
} from './match-workflow';

/**
 * The whole table, written out by hand: for every state (proposed is split by who is already
 * interested), every action and every actor, the next status, 'F' (this actor may never take this
 * action: 403) or 'X' (illegal from this state: 409). Columns in MATCH_ACTORS order:
 * supply_officer, demand_officer, coordinator, admin, province.
 */
type Cell = MatchStatus | 'F' | 'X';
type Line = [Cell, Cell, Cell, Cell, Cell];

interface StateCase {
  name: string;
  state: WorkflowState;
  expect: Record<MatchAction, Line>;
}

const state = (
  status: MatchStatus,
  supplyInterest: SideInterest = null,
  demandInterest: SideInterest = null,
) => ({
  status,
  supplyInterest,
  demandInterest,
});

/** No action is legal: officers' actions are 409 for officers, staff actions 409 for staff. */
const FINAL: Record<MatchAction, Line> = {
  interest: ['X', 'X', 'F', 'F', 'F'],
  decline: ['X', 'X', 'F', 'F', 'F'],
  approve: ['F', 'F', 'X', 'X', 'F'],
  reject: ['F', 'F', 'X', 'X', 'F'],
  activate: ['F', 'F', 'X', 'X', 'F'],
  close: ['F', 'F', 'X', 'X', 'F'],
};

const CASES: StateCase[] = [
  {
    name: 'proposed, nobody interested yet',
    state: state('proposed'),
    expect: {
      interest: ['proposed', 'proposed', 'F', 'F', 'F'],
      decline: ['declined', 'declined', 'F', 'F', 'F'],
      approve: ['F', 'F', 'X', 'X', 'F'],
      reject: ['F', 'F', 'rejected', 'rejected', 'F'],
      activate: ['F', 'F', 'X', 'X', 'F'],
      close: ['F', 'F', 'X', 'X', 'F'],
    },
  },
  {
    name: 'proposed, supply side interested',
    state: state('proposed', 'interested', null),
    expect: {
      interest: ['X', 'mutual_interest', 'F', 'F', 'F'],
      decline: ['declined', 'declined', 'F', 'F', 'F'],
      approve: ['F', 'F', 'X', 'X', 'F'],
      reject: ['F', 'F', 'rejected', 'rejected', 'F'],
      activate: ['F', 'F', 'X', 'X', 'F'],
      close: ['F', 'F', 'X', 'X', 'F'],
    },
  },
  {
    name: 'proposed, demand side interested',
    state: state('proposed', null, 'interested'),
    expect: {
      interest: ['mutual_interest', 'X', 'F', 'F', 'F'],
      decline: ['declined', 'declined', 'F', 'F', 'F'],
      approve: ['F', 'F', 'X', 'X', 'F'],
      reject: ['F', 'F', 'rejected', 'rejected', 'F'],
      activate: ['F', 'F', 'X', 'X', 'F'],
      close: ['F', 'F', 'X', 'X', 'F'],
    },
  },
  {
    name: 'mutual_interest',
    state: state('mutual_interest', 'interested', 'interested'),
    expect: {
      interest: ['X', 'X', 'F', 'F', 'F'],
      decline: ['declined', 'declined', 'F', 'F', 'F'],
      approve: ['F', 'F', 'approved', 'approved', 'F'],
      reject: ['F', 'F', 'rejected', 'rejected', 'F'],
      activate: ['F', 'F', 'X', 'X', 'F'],
      close: ['F', 'F', 'X', 'X', 'F'],
    },
  },
  {
    name: 'approved',
    state: state('approved', 'interested', 'interested'),
    expect: { ...FINAL, activate: ['F', 'F', 'active', 'active', 'F'] },
  },
  {
    name: 'active',
    state: state('active', 'interested', 'interested'),
    expect: { ...FINAL, close: ['F', 'F', 'closed', 'closed', 'F'] },
  },
  { name: 'closed', state: state('closed', 'interested', 'interested'), expect: FINAL },
  { name: 'declined (by supply)', state: state('declined', 'declined', null), expect: FINAL },
  {
    name: 'declined (by demand after both were interested)',
    state: state('declined', 'interested', 'declined'),
    expect: FINAL,
  },
  { name: 'rejected', state: state('rejected', 'interested', null), expect: FINAL },
  { name: 'expired', state: state('expired'), expect: FINAL },
  {
    name: 'expired, one side had been interested',
    state: state('expired', null, 'interested'),
    expect: FINAL,
  },
];

describe('match workflow table', () => {
  it('covers every status', () => {
    expect(new Set(CASES.map((c) => c.state.status))).toEqual(new Set(MATCH_STATUSES));
  });

  const cells = CASES.flatMap((c) =>
    MATCH_ACTIONS.flatMap((action) =>
      MATCH_ACTORS.map((actor, i) => [c.name, action, actor, c.expect[action][i], c.state] as const),
    ),
  );

  it('has 12 states × 6 actions × 5 actors = 360 cells', () => {
    expect(cells).toHaveLength(360);
  });

  it.each(cells)('%s: %s by %s → %s', (_name, action, actor, expected, st) => {
    const d = decideTransition(st, action, actor);
    if (expected === 'F') {
      expect(d).toEqual({ ok: false, error: 'forbidden', message: expect.any(String) });
    } else if (expected === 'X') {
      expect(d).toEqual({ ok: false, error: 'illegal', message: expect.any(String) });
    } else {
      expect(d).toMatchObject({ ok: true, from: st.status, to: expected });
    }
  });

  it('records the acting side: interest and decline set that side only', () => {
    expect(decideTransition(state('proposed'), 'interest', 'supply_officer')).toEqual({
      ok: true,
      from: 'proposed',
      to: 'proposed',
      side: 'supply',
      interest: 'interested',
    });
    expect(decideTransition(state('proposed', 'interested'), 'interest', 'demand_officer')).toEqual({
      ok: true,
      from: 'proposed',
      to: 'mutual_interest',
      side: 'demand',
      interest: 'interested',
    });
    expect(
      decideTransition(state('mutual_interest', 'interested', 'interested'), 'decline', 'supply_officer'),
    ).toEqual({
      ok: true,
      from: 'mutual_interest',
      to: 'declined',
      side: 'supply',
      interest: 'declined',
    });
    expect(
      decideTransition(state('mutual_interest', 'interested', 'interested'), 'approve', 'admin'),
    ).toEqual({
      ok: true,
      from: 'mutual_interest',
      to: 'approved',
      side: null,
      interest: null,
    });
  });

  it('messages name neither party', () => {
    for (const [, action, actor, , st] of cells) {
      const d = decideTransition(st, action, actor);
      if (!d.ok) expect(d.message).not.toMatch(/[0-9a-f]{8}-/);
    }
  });

  it('the rule table and actorMayTake agree: officers interest/decline, staff the rest, province nothing', () => {
    for (const actor of MATCH_ACTORS) {
      for (const action of MATCH_ACTIONS) {
        const officer = actor === 'supply_officer' || actor === 'demand_officer';
        const staff = actor === 'coordinator' || actor === 'admin';
        const officerAction = action === 'interest' || action === 'decline';
        expect(actorMayTake(actor, action)).toBe(officerAction ? officer : staff);
      }
    }
    for (const status of MATCH_STATUSES) {
      for (const [action, rule] of Object.entries(TRANSITIONS[status])) {
        const officerAction = action === 'interest' || action === 'decline';
        expect(rule?.by).toBe(officerAction ? 'officer' : 'coordinator');
      }
    }
  });
});

describe('stale rule', () => {
  type StaleCell = 'ok' | 'refreeze' | 'stale_estimate' | 'no_longer_qualifies';
  const rows: [stale: boolean, qualifies: boolean, accept: boolean, binding: StaleCell, other: StaleCell][] =
    [
      [false, true, false, 'ok', 'ok'],
      [false, true, true, 'ok', 'ok'],
      [true, true, false, 'stale_estimate', 'ok'],
      [true, true, true, 'refreeze', 'ok'],
      [true, false, false, 'no_longer_qualifies', 'ok'],
      [true, false, true, 'no_longer_qualifies', 'ok'],
      [false, false, false, 'no_longer_qualifies', 'ok'],
      [false, false, true, 'no_longer_qualifies', 'ok'],
    ];
  const outcome = (stale: boolean, qualifies: boolean, accept: boolean, action: MatchAction): StaleCell => {
    const d = decideStale({ stale, qualifies }, action, accept);
    return d.ok ? (d.refreeze ? 'refreeze' : 'ok') : d.reason;
  };

  it.each(rows)(
    'stale=%s qualifies=%s accept=%s: approve/activate %s, others %s',
    (stale, qualifies, accept, binding, other) => {
      for (const action of MATCH_ACTIONS) {
        const expected = action === 'approve' || action === 'activate' ? binding : other;
        expect(outcome(stale, qualifies, accept, action)).toBe(expected);
      }
    },
  );

  it('tells the coordinator how to continue', () => {
    const d = decideStale({ stale: true, qualifies: true }, 'approve', false);
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.message).toContain('acceptFreshEstimate');
  });
});

/** Keep the type import used even when the table above changes shape. */
export type _Actor = MatchActor;
