/**
 * The notification feed: new matches reach the officers of both companies through the trigger on
 * matches (fired by the matcher's own set-based writer), workflow transitions reach the other side,
 * both sides or the coordinators; the feed is paginated, per user, and never names a counterpart.
 */
import {
  deliverQueuedProposals,
  scorePairOf,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
} from '@symbiose/domain';
import request from 'supertest';
import { upsertPairs } from '../libs/domain/src/matching/match-writer';
import { createUsers, tokenFor } from './factories';
import {
  act,
  API,
  bearer,
  createMatchWorld,
  insertHeatStream,
  insertMatchedPair,
  MatchWorld,
  startMatchesApi,
} from './matches-fixtures';
import { ApiHarness } from './support/api-harness';

interface Item {
  id: string;
  kind: string;
  matchId: string | null;
  streamId: string | null;
  message: string;
  data: Record<string, unknown>;
  read: boolean;
  readAt: string | null;
  createdAt: string;
}

describe('notifications', () => {
  let api: ApiHarness;
  let world: MatchWorld;

  beforeAll(async () => {
    api = await startMatchesApi();
    world = await createMatchWorld(api);
  });
  afterAll(async () => api?.close());

  const feed = async (token: string, query = 'pageSize=100') => {
    const res = await request(api.url).get(`${API}/notifications?${query}`).set(bearer(token)).expect(200);
    return res.body as { items: Item[]; page: number; pageSize: number; total: number };
  };
  const unread = async (token: string) =>
    (
      (await request(api.url).get(`${API}/notifications/unread-count`).set(bearer(token)).expect(200))
        .body as {
        unread: number;
      }
    ).unread;
  const ofMatch = (items: Item[], matchId: string) => items.filter((n) => n.matchId === matchId);

  describe('new matches (trigger on the matcher’s insert)', () => {
    it('reach every active officer of both companies once, about their own stream; not coordinators', async () => {
      const [second, disabled] = await createUsers(api.db, [
        { role: 'officer', companyId: world.a.company.id },
        { role: 'officer', companyId: world.a.company.id, disabled: true },
      ]);
      const { matchId, supplyId, demandId } = await insertMatchedPair(api.db, world);
      const rows = (await api.db.query(
        `SELECT user_id, kind, stream_id FROM notifications WHERE match_id = $1 ORDER BY user_id`,
        [matchId],
      )) as { user_id: string; kind: string; stream_id: string }[];
      expect(rows).toEqual(
        expect.arrayContaining([
          { user_id: world.a.officer.id, kind: 'match_proposed', stream_id: supplyId },
          { user_id: second.id, kind: 'match_proposed', stream_id: supplyId },
          { user_id: world.b.officer.id, kind: 'match_proposed', stream_id: demandId },
        ]),
      );
      expect(rows).toHaveLength(3);
      expect(rows.map((r) => r.user_id)).not.toContain(disabled.id);

      const mine = ofMatch((await feed(world.a.token)).items, matchId);
      expect(mine).toEqual([
        expect.objectContaining({
          kind: 'match_proposed',
          streamId: supplyId,
          read: false,
          data: expect.objectContaining({
            category: 'heat',
            ownStreamId: supplyId,
            counterpart: { direction: 'demand', category: 'heat', region: 'BE-VOV', municipality: 'Zelzate' },
          }),
        }),
      ]);
      expect(mine[0].message).toMatch(
        /^New heat match for your supply stream "Aurora condenser loop .*": a demand in Zelzate \(BE-VOV\)$/,
      );
      expect(ofMatch((await feed(world.coordinator.token)).items, matchId)).toEqual([]);
    });

    it('are announced once after a multi-row upsert, and not again when the matcher updates a pair', async () => {
      const supplyId = await insertHeatStream(api.db, world.a, {
        direction: 'supply',
        title: 'Aurora multi',
      });
      const demands = await Promise.all(
        [1, 2, 3].map((i) =>
          insertHeatStream(api.db, world.b, {
            direction: 'demand',
            title: `Borealis multi ${i}`,
            temperatureC: 60,
          }),
        ),
      );
      const streams = (await api.db.query(
        `SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`,
        [[supplyId, ...demands]],
      )) as StreamRow[];
      const s = toMatchable(streams.find((r) => r.id === supplyId)!);
      const pairs = demands.map((d) => scorePairOf(s, toMatchable(streams.find((r) => r.id === d)!))!);
      await api.db.transaction((m) => upsertPairs(m, pairs));
      // Queued in the write, delivered after the commit (the worker does this after every matching job).
      await deliverQueuedProposals(api.db);
      // The supply gained three matches: one digest for its officer. Each demand gained one: that match.
      const notices = async () => ({
        supply: (await api.db.query(
          `SELECT kind, match_id, data FROM notifications WHERE stream_id = $1 AND user_id = $2`,
          [supplyId, world.a.officer.id],
        )) as { kind: string; match_id: string | null; data: { count?: number } }[],
        demands: Number(
          (
            (await api.db.query(
              `SELECT count(*) AS n FROM notifications n JOIN matches m ON m.id = n.match_id
               WHERE m.supply_stream_id = $1 AND n.user_id = $2 AND n.stream_id = m.demand_stream_id`,
              [supplyId, world.b.officer.id],
            )) as { n: string }[]
          )[0].n,
        ),
      });
      const first = await notices();
      expect(first.supply).toEqual([
        { kind: 'matches_proposed', match_id: null, data: expect.objectContaining({ count: 3 }) },
      ]);
      expect(first.demands).toBe(3);
      // The same pairs with changed numbers: an update, not an insert.
      await api.db.transaction((m) =>
        upsertPairs(
          m,
          pairs.map((p) => ({ ...p, score: p.score + 1 })),
        ),
      );
      expect(await deliverQueuedProposals(api.db)).toBe(0);
      expect(await notices()).toEqual(first);
    });

    it('of a large write (a full re-match) are queued in the same transaction and fanned out once by the worker', async () => {
      const supplyId = await insertHeatStream(api.db, world.a, {
        direction: 'supply',
        title: 'Aurora queued',
      });
      const demandId = await insertHeatStream(api.db, world.b, {
        direction: 'demand',
        title: 'Borealis queued',
        temperatureC: 60,
      });
      const streams = (await api.db.query(
        `SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`,
        [[supplyId, demandId]],
      )) as StreamRow[];
      const pair = scorePairOf(
        toMatchable(streams.find((r) => r.id === supplyId)!),
        toMatchable(streams.find((r) => r.id === demandId)!),
      )!;
      // The inline limit is 1,000 new proposals per statement; 0 makes this one-pair write a "large" one.
      await api.db.transaction(async (m) => {
        await m.query(`SET LOCAL symbiose.notify_inline_max = 0`);
        await upsertPairs(m, [pair]);
      });
      const [{ id: matchId }] = (await api.db.query(
        `SELECT id FROM matches WHERE supply_stream_id = $1 AND demand_stream_id = $2`,
        [supplyId, demandId],
      )) as { id: string }[];
      const ofThis = async () =>
        (await api.db.query(`SELECT user_id, stream_id FROM notifications WHERE match_id = $1`, [
          matchId,
        ])) as { user_id: string; stream_id: string }[];
      expect(await ofThis()).toEqual([]);
      const queued = (await api.db.query(`SELECT 1 FROM match_proposal_outbox WHERE $1 = ANY (match_ids)`, [
        matchId,
      ])) as unknown[];
      expect(queued).toHaveLength(1);

      // Delivered per own stream: a stream with one new match is told about that match (no digest of one).
      expect(await deliverQueuedProposals(api.db)).toBeGreaterThanOrEqual(2);
      expect(await ofThis()).toEqual(
        expect.arrayContaining([
          { user_id: world.a.officer.id, stream_id: supplyId },
          { user_id: world.b.officer.id, stream_id: demandId },
        ]),
      );
      const delivered = (await ofThis()).length;
      expect(await deliverQueuedProposals(api.db)).toBe(0);
      expect(await ofThis()).toHaveLength(delivered);
      const mine = ofMatch((await feed(world.a.token)).items, matchId);
      expect(mine[0].message).toMatch(
        /^New heat match for your supply stream "Aurora queued.*": a demand in Zelzate \(BE-VOV\)$/,
      );
    });

    it('a digest counts every queued proposal of a stream across the statements that queued them', async () => {
      const supplyId = await insertHeatStream(api.db, world.a, { direction: 'supply', title: 'Many queued' });
      const demandIds = [
        await insertHeatStream(api.db, world.b, {
          direction: 'demand',
          title: 'Queued one',
          temperatureC: 60,
        }),
        await insertHeatStream(api.db, world.b, {
          direction: 'demand',
          title: 'Queued two',
          temperatureC: 60,
        }),
        await insertHeatStream(api.db, world.b, {
          direction: 'demand',
          title: 'Queued three',
          temperatureC: 60,
        }),
      ];
      const rows = (await api.db.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
        [supplyId, ...demandIds],
      ])) as StreamRow[];
      const byId = new Map(rows.map((r) => [r.id, toMatchable(r)]));
      const pairs = demandIds.map((d) => scorePairOf(byId.get(supplyId)!, byId.get(d)!)!);
      // Two statements, as a chunked full re-match writes: two outbox rows, one digest.
      await api.db.transaction(async (m) => {
        await m.query(`SET LOCAL symbiose.notify_inline_max = 0`);
        await upsertPairs(m, pairs.slice(0, 2));
        await upsertPairs(m, pairs.slice(2));
      });
      await deliverQueuedProposals(api.db);
      const [digest] = (await api.db.query(
        `SELECT message, data FROM notifications WHERE kind = 'matches_proposed' AND stream_id = $1`,
        [supplyId],
      )) as { message: string; data: { count: number } }[];
      expect(digest.data.count).toBe(3);
      expect(digest.message).toMatch(/^3 new heat matches for your supply stream "Many queued.*"$/);
      // Each demand gained one match: its officer hears about that match, with the counterpart's place.
      const singles = (await api.db.query(
        `SELECT stream_id, match_id, message FROM notifications WHERE kind = 'match_proposed' AND stream_id = ANY($1::uuid[])`,
        [demandIds],
      )) as { stream_id: string; match_id: string; message: string }[];
      expect(new Set(singles.map((n) => n.stream_id))).toEqual(new Set(demandIds));
      for (const n of singles) {
        expect(n.match_id).not.toBeNull();
        expect(n.message).toMatch(/^New heat match for your demand stream "Queued .*": a supply in /);
      }
    });

    it("a full re-match's entry (every match it created) and queued ids give one item per stream, each match once", async () => {
      const supplyId = await insertHeatStream(api.db, world.a, { direction: 'supply', title: 'Run and ids' });
      const demandIds: string[] = [];
      for (const title of ['Run one', 'Run two', 'Run three']) {
        demandIds.push(
          await insertHeatStream(api.db, world.b, { direction: 'demand', title, temperatureC: 60 }),
        );
      }
      const rows = (await api.db.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
        [supplyId, ...demandIds],
      ])) as StreamRow[];
      const byId = new Map(rows.map((r) => [r.id, toMatchable(r)]));
      const pairs = demandIds.map((d) => scorePairOf(byId.get(supplyId)!, byId.get(d)!)!);
      const queuedLarge = (ps: typeof pairs) =>
        api.db.transaction(async (m) => {
          await m.query(`SET LOCAL symbiose.notify_inline_max = 0`);
          await upsertPairs(m, ps);
          const [{ at }] = (await m.query(`SELECT now()::text AS at`)) as { at: string }[];
          return at;
        });
      // One pair queued by id; two created by "a run" and queued as its entry, one of them by id too.
      await queuedLarge(pairs.slice(0, 1));
      const runAt = await queuedLarge(pairs.slice(1));
      await api.db.query(
        `DELETE FROM match_proposal_outbox WHERE id = (SELECT max(id) FROM match_proposal_outbox)`,
      );
      await api.db.query(`INSERT INTO match_proposal_outbox (run_created_at) VALUES ($1::timestamptz)`, [
        runAt,
      ]);
      const [{ id: alsoById }] = (await api.db.query(
        `SELECT id FROM matches WHERE supply_stream_id = $1 AND demand_stream_id = $2`,
        [supplyId, demandIds[2]],
      )) as { id: string }[];
      await api.db.query(`INSERT INTO match_proposal_outbox (match_ids) VALUES ($1::uuid[])`, [[alsoById]]);
      // An entry is ids or a run's time, never both or neither.
      await expect(
        api.db.query(`INSERT INTO match_proposal_outbox (match_ids, run_created_at) VALUES ('{}', now())`),
      ).rejects.toThrow(/match_proposal_outbox_one_kind/);

      await deliverQueuedProposals(api.db);
      const ofStreams = (await api.db.query(
        `SELECT stream_id, kind, match_id, data FROM notifications
         WHERE stream_id = ANY($1::uuid[]) AND user_id = ANY($2::uuid[])`,
        [
          [supplyId, ...demandIds],
          [world.a.officer.id, world.b.officer.id],
        ],
      )) as { stream_id: string; kind: string; match_id: string | null; data: { count?: number } }[];
      const digests = ofStreams.filter((n) => n.stream_id === supplyId);
      expect(digests.map((n) => [n.kind, n.data.count])).toEqual([['matches_proposed', 3]]);
      const singles = ofStreams.filter((n) => n.stream_id !== supplyId);
      expect(singles.map((n) => n.kind)).toEqual(['match_proposed', 'match_proposed', 'match_proposed']);
      expect(new Set(singles.map((n) => n.stream_id))).toEqual(new Set(demandIds));
      expect(singles.find((n) => n.stream_id === demandIds[2])!.match_id).toBe(alsoById);
      expect(await api.db.query(`SELECT count(*)::int AS n FROM match_proposal_outbox`)).toEqual([{ n: 0 }]);
      expect(await deliverQueuedProposals(api.db)).toBe(0);
    });

    it("digests queued ids with the planner's defaults: only a run's digest turns nested loops off, and nothing is JIT-compiled", async () => {
      // A stream job's few hundred ids planned with nested loops off were hash joins over every stream and
      // user, costed high enough to be JIT-compiled: 500–800 ms after every job, where index probes take ms.
      const settings = (await api.db.query(
        `SELECT proname, proconfig FROM pg_proc WHERE proname = ANY($1::text[]) ORDER BY proname`,
        [['digest_match_proposals', 'digest_queued_proposals', 'digest_run_proposals']],
      )) as { proname: string; proconfig: string[] | null }[];
      expect(settings).toEqual([
        { proname: 'digest_match_proposals', proconfig: null },
        { proname: 'digest_queued_proposals', proconfig: null },
        { proname: 'digest_run_proposals', proconfig: ['enable_nestloop=off'] },
      ]);
      expect(await api.db.query(`SHOW jit`)).toEqual([{ jit: 'off' }]);
    });

    it('a write that gives one stream several new matches tells its officer once', async () => {
      const supplyId = await insertHeatStream(api.db, world.a, { direction: 'supply', title: 'Inline many' });
      const demandIds = [
        await insertHeatStream(api.db, world.b, {
          direction: 'demand',
          title: 'Inline one',
          temperatureC: 60,
        }),
        await insertHeatStream(api.db, world.b, {
          direction: 'demand',
          title: 'Inline two',
          temperatureC: 60,
        }),
      ];
      const rows = (await api.db.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
        [supplyId, ...demandIds],
      ])) as StreamRow[];
      const byId = new Map(rows.map((r) => [r.id, toMatchable(r)]));
      await api.db.transaction(async (m) =>
        upsertPairs(
          m,
          demandIds.map((d) => scorePairOf(byId.get(supplyId)!, byId.get(d)!)!),
        ),
      );
      // Nothing is written inside the matcher's transaction; the delivery after its commit writes it.
      const before = (await api.db.query(`SELECT 1 FROM notifications WHERE stream_id = $1`, [
        supplyId,
      ])) as [];
      expect(before).toHaveLength(0);
      expect(await deliverQueuedProposals(api.db)).toBeGreaterThanOrEqual(3);
      const ofSupply = (await api.db.query(
        `SELECT kind, match_id, message, data FROM notifications WHERE stream_id = $1 AND user_id = $2`,
        [supplyId, world.a.officer.id],
      )) as { kind: string; match_id: string | null; message: string; data: { count: number } }[];
      expect(ofSupply).toHaveLength(1);
      expect(ofSupply[0]).toMatchObject({ kind: 'matches_proposed', match_id: null, data: { count: 2 } });
      expect(ofSupply[0].message).toMatch(/^2 new heat matches for your supply stream "Inline many.*"$/);
    });
  });

  describe('workflow transitions', () => {
    it('interest → the other side; mutual interest → both sides and coordinators; approve/activate/close → both', async () => {
      const { matchId } = await insertMatchedPair(api.db, world);
      const kinds = async (token: string) =>
        ofMatch((await feed(token)).items, matchId)
          .map((n) => n.kind)
          .sort();

      expect((await act(api, world.a.token, matchId, 'interest', { version: 1 })).status).toBe(200);
      expect(await kinds(world.a.token)).toEqual(['match_proposed']);
      expect(await kinds(world.b.token)).toEqual(['counterpart_interest', 'match_proposed']);

      expect((await act(api, world.b.token, matchId, 'interest', { version: 2 })).status).toBe(200);
      expect(await kinds(world.a.token)).toEqual(['match_proposed', 'mutual_interest']);
      expect(await kinds(world.b.token)).toEqual([
        'counterpart_interest',
        'match_proposed',
        'mutual_interest',
      ]);
      expect(await kinds(world.coordinator.token)).toEqual(['mutual_interest']);

      for (const [action, version] of [
        ['approve', 3],
        ['activate', 4],
        ['close', 5],
      ] as const) {
        expect((await act(api, world.coordinator.token, matchId, action, { version })).status).toBe(200);
      }
      const expected = [
        'match_activated',
        'match_approved',
        'match_closed',
        'match_proposed',
        'mutual_interest',
      ];
      expect(await kinds(world.a.token)).toEqual(expected);
      expect(await kinds(world.b.token)).toEqual([...expected, 'counterpart_interest'].sort());
      const approved = ofMatch((await feed(world.b.token)).items, matchId).find(
        (n) => n.kind === 'match_approved',
      );
      expect(approved?.message).toMatch(
        /^The heat match for your demand stream "Borealis tomato hall heating .*" was approved$/,
      );
      expect(approved?.data).toMatchObject({ action: 'approve', from: 'mutual_interest', to: 'approved' });
    });

    it('decline → the other side (and coordinators when it was awaiting approval); reject → both', async () => {
      const first = await insertMatchedPair(api.db, world);
      expect((await act(api, world.b.token, first.matchId, 'decline', { version: 1 })).status).toBe(200);
      expect(ofMatch((await feed(world.a.token)).items, first.matchId).map((n) => n.kind)).toContain(
        'match_declined',
      );
      expect(ofMatch((await feed(world.b.token)).items, first.matchId).map((n) => n.kind)).not.toContain(
        'match_declined',
      );
      expect(ofMatch((await feed(world.coordinator.token)).items, first.matchId)).toEqual([]);

      const second = await insertMatchedPair(api.db, world);
      await act(api, world.a.token, second.matchId, 'interest', { version: 1 }).expect(200);
      await act(api, world.b.token, second.matchId, 'interest', { version: 2 }).expect(200);
      await act(api, world.a.token, second.matchId, 'decline', { version: 3 }).expect(200);
      expect(
        ofMatch((await feed(world.coordinator.token)).items, second.matchId)
          .map((n) => n.kind)
          .sort(),
      ).toEqual(['match_declined', 'mutual_interest']);

      const third = await insertMatchedPair(api.db, world);
      await act(api, world.admin.token, third.matchId, 'reject', { version: 1 }).expect(200);
      for (const token of [world.a.token, world.b.token]) {
        expect(ofMatch((await feed(token)).items, third.matchId).map((n) => n.kind)).toContain(
          'match_rejected',
        );
      }
    });
  });

  describe('the feed', () => {
    it('is paginated newest first, counts unread, marks one or all read, and is private to its user', async () => {
      const [officer] = await createUsers(api.db, [{ role: 'officer', companyId: world.b.company.id }]);
      const token = tokenFor(api, officer);
      for (let i = 0; i < 5; i++) await insertMatchedPair(api.db, world);
      expect(await unread(token)).toBe(5);

      const page1 = await feed(token, 'page=1&pageSize=2');
      const page3 = await feed(token, 'page=3&pageSize=2');
      expect(page1).toMatchObject({ page: 1, pageSize: 2, total: 5 });
      expect(page1.items).toHaveLength(2);
      expect(page3.items).toHaveLength(1);
      const all = (await feed(token)).items;
      const times = all.map((n) => n.createdAt);
      expect([...times].sort().reverse()).toEqual(times);
      expect((await feed(token, 'page=9&pageSize=2')).items).toEqual([]);

      const first = all[0];
      const read = await request(api.url)
        .post(`${API}/notifications/${first.id}/read`)
        .set(bearer(token))
        .expect(200);
      expect(read.body).toMatchObject({ id: first.id, read: true, readAt: expect.any(String) });
      const again = await request(api.url)
        .post(`${API}/notifications/${first.id}/read`)
        .set(bearer(token))
        .expect(200);
      expect(again.body.readAt).toBe(read.body.readAt);
      expect(await unread(token)).toBe(4);
      expect((await feed(token, 'unread=true')).total).toBe(4);

      // Someone else's notification is not found, for an officer of the same company and for staff.
      for (const other of [world.b.token, world.coordinator.token, world.admin.token]) {
        await request(api.url).post(`${API}/notifications/${all[1].id}/read`).set(bearer(other)).expect(404);
      }
      expect(await unread(token)).toBe(4);

      const allRead = await request(api.url)
        .post(`${API}/notifications/read-all`)
        .set(bearer(token))
        .expect(200);
      expect(allRead.body).toEqual({ marked: 4, unread: 0 });
      expect(await unread(token)).toBe(0);
      expect((await feed(token, 'unread=true')).items).toEqual([]);
    });

    it('validates its query and refuses province users', async () => {
      for (const q of ['pageSize=101', 'page=0', 'unread=maybe', 'extra=1']) {
        const res = await request(api.url).get(`${API}/notifications?${q}`).set(bearer(world.a.token));
        expect(res.status).toBe(400);
      }
      await request(api.url).get(`${API}/notifications`).set(bearer(world.province.token)).expect(403);
      await request(api.url)
        .get(`${API}/notifications/unread-count`)
        .set(bearer(world.province.token))
        .expect(403);
    });
  });
});
