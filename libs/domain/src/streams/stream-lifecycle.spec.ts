import {
  allowedTargets,
  EXPIRABLE_STATUSES,
  isEditable,
  isTerminal,
  STREAM_STATUSES,
  StreamStatus,
  streamTransition,
} from './stream-lifecycle';

type Row = [
  from: StreamStatus,
  to: StreamStatus,
  user: string | null,
  system: string | null,
  bumps: boolean | undefined,
];

/** Every (from, to) pair: the action a user may take, the one the system may take, or null. */
const TABLE: Row[] = [
  ['draft', 'draft', null, null, undefined],
  ['draft', 'active', 'publish', 'publish', true],
  ['draft', 'paused', null, null, undefined],
  ['draft', 'withdrawn', 'withdraw', 'withdraw', false],
  ['draft', 'expired', null, null, undefined],
  ['active', 'draft', null, null, undefined],
  ['active', 'active', null, null, undefined],
  ['active', 'paused', 'pause', 'pause', true],
  ['active', 'withdrawn', 'withdraw', 'withdraw', true],
  ['active', 'expired', null, 'expire', true],
  ['paused', 'draft', null, null, undefined],
  ['paused', 'active', 'resume', 'resume', true],
  ['paused', 'paused', null, null, undefined],
  ['paused', 'withdrawn', 'withdraw', 'withdraw', true],
  ['paused', 'expired', null, 'expire', true],
  ['withdrawn', 'draft', null, null, undefined],
  ['withdrawn', 'active', null, null, undefined],
  ['withdrawn', 'paused', null, null, undefined],
  ['withdrawn', 'withdrawn', null, null, undefined],
  ['withdrawn', 'expired', null, null, undefined],
  ['expired', 'draft', null, null, undefined],
  ['expired', 'active', null, null, undefined],
  ['expired', 'paused', null, null, undefined],
  ['expired', 'withdrawn', null, null, undefined],
  ['expired', 'expired', null, null, undefined],
];

describe('stream lifecycle table', () => {
  it('covers every pair of statuses', () => {
    expect(TABLE).toHaveLength(STREAM_STATUSES.length ** 2);
  });

  it.each(TABLE)('%s → %s: user %s, system %s', (from, to, user, system, bumps) => {
    const byUser = streamTransition(from, to, 'user');
    const bySystem = streamTransition(from, to, 'system');
    expect(byUser.ok ? byUser.action : null).toBe(user);
    expect(bySystem.ok ? bySystem.action : null).toBe(system);
    if (bySystem.ok) expect(bySystem.affectsMatching).toBe(bumps);
    if (!byUser.ok) expect(byUser.reason).toMatch(/\S/);
  });

  it('explains why a move is refused', () => {
    expect(streamTransition('active', 'active', 'user')).toEqual({
      ok: false,
      reason: 'The stream is already active',
    });
    expect(streamTransition('withdrawn', 'active', 'user')).toMatchObject({
      reason: expect.stringMatching(/withdrawn/),
    });
    expect(streamTransition('active', 'expired', 'user')).toMatchObject({
      reason: expect.stringMatching(/system/),
    });
  });

  it('knows the terminal, editable and expirable statuses', () => {
    expect(STREAM_STATUSES.filter(isTerminal)).toEqual(['withdrawn', 'expired']);
    expect(STREAM_STATUSES.filter(isEditable)).toEqual(['draft', 'active', 'paused']);
    expect(EXPIRABLE_STATUSES).toEqual(['active', 'paused']);
    expect(allowedTargets('active', 'user')).toEqual(['paused', 'withdrawn']);
    expect(allowedTargets('active', 'system')).toEqual(['paused', 'withdrawn', 'expired']);
  });
});
