/**
 * The workflow table through the API: for a representative match in every state, every action by
 * every kind of actor gets what decideTransition says — 200 with the next status, 403 for an actor
 * who may never take the action, 409 ILLEGAL_TRANSITION otherwise — and a refused request changes
 * nothing (match row, events, notifications). Plus version conflicts and the stale rule.
 */
import {
  decideTransition,
  MATCH_ACTIONS,
  MATCH_ACTORS,
  MatchActor,
  MatchStatus,
  SideInterest,
} from '@symbiose/domain';
import {
  act,
  createMatchWorld,
  forceState,
  insertMatchedPair,
  MatchWorld,
  snapshot,
  startMatchesApi,
} from './matches-fixtures';
import { ApiHarness } from './support/api-harness';

interface StateCase {
  name: string;
  status: MatchStatus;
  supply: SideInterest;
  demand: SideInterest;
}

/** One representative per status, and proposed once per interest state. */
const STATES: StateCase[] = [
  { name: 'proposed', status: 'proposed', supply: null, demand: null },
  { name: 'proposed (supply interested)', status: 'proposed', supply: 'interested', demand: null },
  { name: 'proposed (demand interested)', status: 'proposed', supply: null, demand: 'interested' },
  { name: 'mutual_interest', status: 'mutual_interest', supply: 'interested', demand: 'interested' },
  { name: 'approved', status: 'approved', supply: 'interested', demand: 'interested' },
  { name: 'active', status: 'active', supply: 'interested', demand: 'interested' },
  { name: 'closed', status: 'closed', supply: 'interested', demand: 'interested' },
  { name: 'declined', status: 'declined', supply: 'declined', demand: null },
  { name: 'rejected', status: 'rejected', supply: 'interested', demand: null },
  { name: 'expired', status: 'expired', supply: null, demand: null },
];

describe('match workflow table through the API', () => {
  let api: ApiHarness;
  let world: MatchWorld;

  beforeAll(async () => {
    api = await startMatchesApi();
    world = await createMatchWorld(api);
  });
  afterAll(async () => api?.close());

  const tokenOf = (actor: MatchActor): string =>
    ({
      supply_officer: world.a.token,
      demand_officer: world.b.token,
      coordinator: world.coordinator.token,
      admin: world.admin.token,
      province: world.province.token,
    })[actor];

  async function matchIn(state: StateCase, extra: { stale?: boolean; qualifies?: boolean } = {}) {
    const { matchId } = await insertMatchedPair(api.db, world);
    const version = await forceState(api.db, matchId, {
      status: state.status,
      supply_interest: state.supply,
      demand_interest: state.demand,
      ...extra,
    });
    return { matchId, version };
  }

  it.each(STATES.map((s) => [s.name, s] as const))('%s: every action × actor', async (_name, state) => {
    const refused = await matchIn(state);
    const before = await snapshot(api.db, refused.matchId);
    const mismatches: string[] = [];
    let cells = 0;
    for (const action of MATCH_ACTIONS) {
      for (const actor of MATCH_ACTORS) {
        cells++;
        const decision = decideTransition(
          { status: state.status, supplyInterest: state.supply, demandInterest: state.demand },
          action,
          actor,
        );
        const cell = `${action} by ${actor}`;
        if (!decision.ok) {
          const res = await act(api, tokenOf(actor), refused.matchId, action, {
            version: refused.version,
            note: 'should not be stored',
          });
          const expected = decision.error === 'forbidden' ? 403 : 409;
          if (res.status !== expected) mismatches.push(`${cell}: ${res.status} instead of ${expected}`);
          if (expected === 409 && res.body.code !== 'ILLEGAL_TRANSITION') {
            mismatches.push(`${cell}: code ${res.body.code}`);
          }
          continue;
        }
        // A legal cell gets a fresh match in this state, so each one starts from the same place.
        const fresh = await matchIn(state);
        const res = await act(api, tokenOf(actor), fresh.matchId, action, {
          version: fresh.version,
          note: `${cell} ok`,
        });
        if (res.status !== 200) {
          mismatches.push(`${cell}: ${res.status} ${JSON.stringify(res.body)} instead of 200`);
          continue;
        }
        if (res.body.status !== decision.to) mismatches.push(`${cell}: ${res.body.status} ≠ ${decision.to}`);
        if (res.body.version !== fresh.version + 1) mismatches.push(`${cell}: version ${res.body.version}`);
        const events = res.body.events as { action: string; from: string; to: string; note: string }[];
        const last = events[events.length - 1];
        if (
          events.length !== 1 ||
          last.action !== action ||
          last.from !== state.status ||
          last.to !== decision.to
        ) {
          mismatches.push(`${cell}: events ${JSON.stringify(events)}`);
        }
        if (decision.side) {
          const [row] = (await api.db.query(
            `SELECT supply_interest, demand_interest FROM matches WHERE id = $1`,
            [fresh.matchId],
          )) as { supply_interest: string | null; demand_interest: string | null }[];
          const recorded = decision.side === 'supply' ? row.supply_interest : row.demand_interest;
          if (recorded !== decision.interest) mismatches.push(`${cell}: recorded ${recorded}`);
        }
      }
    }
    expect(cells).toBe(MATCH_ACTIONS.length * MATCH_ACTORS.length);
    expect(mismatches).toEqual([]);
    // Not one of the refused requests changed the row, wrote an event or a notification.
    expect(await snapshot(api.db, refused.matchId)).toEqual(before);
  });

  it('a stale version is a 409 VERSION_CONFLICT and changes nothing, even for a legal action', async () => {
    const { matchId } = await matchIn(STATES[3]);
    const [[{ version }]] = (await api.db.query(
      `UPDATE matches SET version = 5 WHERE id = $1 RETURNING version`,
      [matchId],
    )) as [[{ version: number }], number];
    const before = await snapshot(api.db, matchId);
    for (const sent of [1, version - 1, version + 1, version + 1000]) {
      const res = await act(api, world.coordinator.token, matchId, 'approve', { version: sent });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'VERSION_CONFLICT' });
    }
    expect(await snapshot(api.db, matchId)).toEqual(before);
  });

  it('rejects invalid bodies with field paths and changes nothing', async () => {
    const { matchId } = await matchIn(STATES[3]);
    const before = await snapshot(api.db, matchId);
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'version'],
      [{ version: 0 }, 'version'],
      [{ version: 1.5 }, 'version'],
      [{ version: 99_999_999_999 }, 'version'],
      [{ version: 1, note: 'x'.repeat(2001) }, 'note'],
      [{ version: 1, note: 'nul \u0000 byte' }, 'note'],
      [{ version: 1, note: null }, 'note'],
      [{ version: 1, acceptFreshEstimate: 'yes' }, 'acceptFreshEstimate'],
      [{ version: 1, surprise: true }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const res = await act(api, world.coordinator.token, matchId, 'approve', body);
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.errors ?? {})).toContain(field);
    }
    // Officers may not send the coordinator's flag.
    const officer = await act(api, world.a.token, matchId, 'decline', {
      version: 1,
      acceptFreshEstimate: true,
    });
    expect(officer.status).toBe(400);
    expect(await snapshot(api.db, matchId)).toEqual(before);
  });

  describe('stale matches (a stream changed after the match left proposed)', () => {
    it.each(['approve', 'activate'] as const)(
      '%s needs acceptFreshEstimate, which re-freezes the agreed estimate and clears the flag',
      async (action) => {
        const state = action === 'approve' ? STATES[3] : STATES[4];
        const { matchId, version } = await matchIn(state, { stale: true });
        await api.db.query(
          `UPDATE matches SET agreed_estimate = '{"co2AvoidedTonnesPerYear": 1, "agreedOn": "interest"}' WHERE id = $1`,
          [matchId],
        );
        const before = await snapshot(api.db, matchId);
        const refused = await act(api, world.coordinator.token, matchId, action, { version });
        expect(refused.status).toBe(409);
        expect(refused.body.code).toBe('STALE_ESTIMATE');
        expect(refused.body.message).toContain('acceptFreshEstimate');
        const no = await act(api, world.coordinator.token, matchId, action, {
          version,
          acceptFreshEstimate: false,
        });
        expect(no.body.code).toBe('STALE_ESTIMATE');
        expect(await snapshot(api.db, matchId)).toEqual(before);

        const ok = await act(api, world.coordinator.token, matchId, action, {
          version,
          acceptFreshEstimate: true,
          note: 'fresh numbers accepted',
        });
        expect(ok.status).toBe(200);
        expect(ok.body).toMatchObject({ status: action === 'approve' ? 'approved' : 'active', stale: false });
        expect(ok.body.agreedEstimate).toMatchObject({
          agreedOn: action,
          co2AvoidedTonnesPerYear: ok.body.estimate.co2AvoidedTonnesPerYear,
          explanation: { steps: expect.any(Array) },
        });
      },
    );

    it('a pair that no longer qualifies cannot be approved, even accepting the fresh estimate', async () => {
      const { matchId, version } = await matchIn(STATES[3], { stale: true, qualifies: false });
      const before = await snapshot(api.db, matchId);
      const res = await act(api, world.admin.token, matchId, 'approve', {
        version,
        acceptFreshEstimate: true,
      });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('STALE_ESTIMATE');
      expect(await snapshot(api.db, matchId)).toEqual(before);
      // Declining or rejecting needs no numbers.
      expect((await act(api, world.coordinator.token, matchId, 'reject', { version })).status).toBe(200);
    });

    it('other actions ignore the flag', async () => {
      const { matchId, version } = await matchIn(STATES[5], { stale: true });
      const res = await act(api, world.coordinator.token, matchId, 'close', { version });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'closed', stale: true });
    });
  });
});
