/**
 * Optimistic concurrency on the workflow: many simultaneous requests at one version, exactly one wins;
 * every other gets a 409 and leaves no trace (one event, one set of notifications).
 */
import {
  act,
  createMatchWorld,
  forceState,
  insertMatchedPair,
  MatchWorld,
  matchVersion,
  startMatchesApi,
} from './matches-fixtures';
import { ApiHarness } from './support/api-harness';

describe('match workflow under concurrency', () => {
  let api: ApiHarness;
  let world: MatchWorld;

  beforeAll(async () => {
    api = await startMatchesApi();
    world = await createMatchWorld(api);
  });
  afterAll(async () => api?.close());

  const count = async (sql: string, id: string) =>
    Number(((await api.db.query(sql, [id])) as { n: string }[])[0].n);

  it('50 concurrent approvals of one match: exactly one succeeds, 49 get 409, one event is written', async () => {
    const { matchId } = await insertMatchedPair(api.db, world);
    const version = await forceState(api.db, matchId, {
      status: 'mutual_interest',
      supply_interest: 'interested',
      demand_interest: 'interested',
    });
    const tokens = [world.coordinator.token, world.admin.token];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        act(api, tokens[i % 2], matchId, 'approve', { version, note: `approval #${i}` }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of results.filter((x) => x.status === 409)) {
      expect(['VERSION_CONFLICT', 'ILLEGAL_TRANSITION']).toContain(r.body.code);
    }
    expect(await count(`SELECT count(*) AS n FROM match_events WHERE match_id = $1`, matchId)).toBe(1);
    expect(await matchVersion(api.db, matchId)).toBe(version + 1);
    const [row] = (await api.db.query(`SELECT status FROM matches WHERE id = $1`, [matchId])) as {
      status: string;
    }[];
    expect(row.status).toBe('approved');
    // One approval → one notification per officer of each side, not 50.
    expect(
      await count(
        `SELECT count(*) AS n FROM notifications WHERE match_id = $1 AND kind = 'match_approved'`,
        matchId,
      ),
    ).toBe(2);
    const winner = results.find((r) => r.status === 200)!;
    expect(winner.body.events).toHaveLength(1);
  });

  it('both sides saying interest at once: one wins, the other retries with the new version → mutual interest', async () => {
    const { matchId } = await insertMatchedPair(api.db, world);
    const [ra, rb] = await Promise.all([
      act(api, world.a.token, matchId, 'interest', { version: 1 }),
      act(api, world.b.token, matchId, 'interest', { version: 1 }),
    ]);
    expect([ra.status, rb.status].sort()).toEqual([200, 409]);
    const loser = ra.status === 409 ? world.a : world.b;
    const retry = await act(api, loser.token, matchId, 'interest', { version: 2 });
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe('mutual_interest');
    expect(await count(`SELECT count(*) AS n FROM match_events WHERE match_id = $1`, matchId)).toBe(2);
  });

  it('an officer racing a coordinator: decline and reject at one version — exactly one lands', async () => {
    const { matchId } = await insertMatchedPair(api.db, world);
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => act(api, world.a.token, matchId, 'decline', { version: 1 })),
      ...Array.from({ length: 10 }, () =>
        act(api, world.coordinator.token, matchId, 'reject', { version: 1 }),
      ),
    ]);
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
    expect(await count(`SELECT count(*) AS n FROM match_events WHERE match_id = $1`, matchId)).toBe(1);
  });
});
