/**
 * MatchTransitionHooks: what the reports' summary tables hang on. A hook runs inside the transition's
 * transaction (it sees the new status and its event), gets {matchId, from, to, action, at,
 * actorUserId}, and a hook that throws rolls the whole transition back.
 */
import { MatchTransitionEvent, MatchTransitionHook, MatchTransitionHooks } from '@symbiose/domain';
import { EntityManager } from 'typeorm';
import {
  act,
  createMatchWorld,
  insertMatchedPair,
  MatchWorld,
  snapshot,
  startMatchesApi,
} from './matches-fixtures';
import { ApiHarness } from './support/api-harness';

describe('match transition hooks', () => {
  let api: ApiHarness;
  let world: MatchWorld;
  let hooks: MatchTransitionHooks;

  beforeAll(async () => {
    api = await startMatchesApi();
    world = await createMatchWorld(api);
    hooks = api.app.get(MatchTransitionHooks);
  });
  afterAll(async () => api?.close());

  it('is one registry in the API, and runs hooks in the transition transaction with the event', async () => {
    const seen: { event: MatchTransitionEvent; status: string; events: number }[] = [];
    const hook = hooks.register(async (manager: EntityManager, event: MatchTransitionEvent) => {
      const [row] = (await manager.query(
        `SELECT m.status, (SELECT count(*)::int FROM match_events e WHERE e.match_id = m.id) AS events
         FROM matches m WHERE m.id = $1`,
        [event.matchId],
      )) as { status: string; events: number }[];
      seen.push({ event, ...row });
    });
    try {
      const { matchId } = await insertMatchedPair(api.db, world);
      await act(api, world.a.token, matchId, 'interest', { version: 1 }).expect(200);
      await act(api, world.b.token, matchId, 'interest', { version: 2 }).expect(200);
      await act(api, world.coordinator.token, matchId, 'approve', { version: 3 }).expect(200);
      expect(seen.map((s) => [s.event.action, s.event.from, s.event.to, s.status, s.events])).toEqual([
        ['interest', 'proposed', 'proposed', 'proposed', 1],
        ['interest', 'proposed', 'mutual_interest', 'mutual_interest', 2],
        ['approve', 'mutual_interest', 'approved', 'approved', 3],
      ]);
      expect(seen.map((s) => s.event.actorUserId)).toEqual([
        world.a.officer.id,
        world.b.officer.id,
        world.coordinator.user.id,
      ]);
      for (const s of seen) {
        expect(s.event.matchId).toBe(matchId);
        expect(s.event.at).toBeInstanceOf(Date);
      }
      // `at` is the event's own time, as stored.
      const [last] = (await api.db.query(
        `SELECT created_at FROM match_events WHERE match_id = $1 ORDER BY id DESC LIMIT 1`,
        [matchId],
      )) as { created_at: Date }[];
      expect(seen[2].event.at.getTime()).toBe(last.created_at.getTime());
    } finally {
      hooks.unregister(hook);
    }
  });

  it('a hook that throws rolls the transition back: no status change, no event, no notification', async () => {
    const failing: MatchTransitionHook = {
      onMatchTransition: async (manager) => {
        await manager.query(`SELECT 1`);
        throw new Error('summary table unavailable');
      },
    };
    hooks.register(failing);
    try {
      const { matchId } = await insertMatchedPair(api.db, world);
      const before = await snapshot(api.db, matchId);
      const res = await act(api, world.a.token, matchId, 'interest', { version: 1 });
      expect(res.status).toBe(500);
      expect(res.body.code).toBe('INTERNAL_ERROR');
      expect(JSON.stringify(res.body)).not.toContain('summary table');
      expect(await snapshot(api.db, matchId)).toEqual(before);
    } finally {
      hooks.unregister(failing);
    }
    // Unregistered: transitions work again.
    const { matchId } = await insertMatchedPair(api.db, world);
    await act(api, world.a.token, matchId, 'interest', { version: 1 }).expect(200);
  });
});
