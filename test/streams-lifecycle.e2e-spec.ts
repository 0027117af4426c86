import { JobQueue, QueueName } from '@symbiose/core';
import { expireDueStreams, StreamsService, StreamStatus } from '@symbiose/domain';
import request from 'supertest';
import { ApiHarness } from './support/api-harness';
import {
  bearer,
  createStream,
  createStreamWorld,
  heatSupply,
  StreamWorld,
  startStreamsApi,
} from './streams-fixtures';

const API = '/api/v1';

/** Drives a stream through the API into `status` (expired is set in the database: only the job expires). */
async function streamIn(api: ApiHarness, w: StreamWorld, status: StreamStatus) {
  const token = w.users.officerA.token;
  const s = await createStream(
    api,
    token,
    heatSupply(w.siteA, { status: status === 'draft' ? 'draft' : 'active' }),
  );
  const go = (to: string) =>
    request(api.url)
      .post(`${API}/streams/${s.id}/status`)
      .set(bearer(token))
      .send({ status: to })
      .expect(200);
  if (status === 'paused') await go('paused');
  if (status === 'withdrawn') await go('withdrawn');
  if (status === 'expired') {
    await api.db.query(`UPDATE streams SET status = 'expired', version = version + 1 WHERE id = $1`, [s.id]);
  }
  const [row] = await api.db.query(`SELECT version, matched_version FROM streams WHERE id = $1`, [s.id]);
  return {
    id: s.id as string,
    version: row.version as number,
    matchedVersion: row.matched_version as number,
  };
}

describe('stream lifecycle (real Postgres and Redis)', () => {
  let api: ApiHarness;
  let w: StreamWorld;
  beforeAll(async () => {
    api = await startStreamsApi();
    w = await createStreamWorld(api);
  });
  afterAll(async () => api?.close());

  // from, requested status, expected HTTP status, whether the version is bumped
  const TABLE: [from: StreamStatus, to: string, http: number, bumps: boolean][] = [
    ['draft', 'active', 200, true],
    ['draft', 'paused', 409, false],
    ['draft', 'withdrawn', 200, false],
    ['active', 'active', 409, false],
    ['active', 'paused', 200, true],
    ['active', 'withdrawn', 200, true],
    ['paused', 'active', 200, true],
    ['paused', 'paused', 409, false],
    ['paused', 'withdrawn', 200, true],
    ['withdrawn', 'active', 409, false],
    ['withdrawn', 'paused', 409, false],
    ['withdrawn', 'withdrawn', 409, false],
    ['expired', 'active', 409, false],
    ['expired', 'paused', 409, false],
    ['expired', 'withdrawn', 409, false],
  ];

  it.each(TABLE)('%s → %s: %d', async (from, to, http, bumps) => {
    const s = await streamIn(api, w, from);
    const res = await request(api.url)
      .post(`${API}/streams/${s.id}/status`)
      .set(bearer(w.users.officerA.token))
      .send({ status: to })
      .expect(http);
    const [row] = await api.db.query(`SELECT status, version, matched_version FROM streams WHERE id = $1`, [
      s.id,
    ]);
    if (http === 200) {
      expect(res.body).toMatchObject({ id: s.id, status: to, version: s.version + (bumps ? 1 : 0) });
      expect(row.status).toBe(to);
      if (bumps) {
        const job = await api.app
          .get(JobQueue)
          .queue(QueueName.Matching)
          .getJob(`match-stream_${s.id}_v${s.version + 1}`);
        expect(job?.data).toEqual({ streamId: s.id, version: s.version + 1 });
      } else {
        expect(row.matched_version).toBe(row.version); // a withdrawn draft stays clean
      }
    } else {
      expect(res.body).toMatchObject({ statusCode: 409, code: 'ILLEGAL_TRANSITION' });
      expect(row).toEqual({ status: from, version: s.version, matched_version: s.matchedVersion });
    }
  });

  it('answers a stale version on a status change with 409 VERSION_CONFLICT', async () => {
    const s = await streamIn(api, w, 'active');
    const res = await request(api.url)
      .post(`${API}/streams/${s.id}/status`)
      .set(bearer(w.users.officerA.token))
      .send({ status: 'paused', version: s.version + 1 })
      .expect(409);
    expect(res.body.code).toBe('VERSION_CONFLICT');
    await request(api.url)
      .post(`${API}/streams/${s.id}/status`)
      .set(bearer(w.users.officerA.token))
      .send({ status: 'paused', version: s.version })
      .expect(200);
  });

  it('refuses edits of a withdrawn or expired stream (409) and lets a paused one be edited', async () => {
    for (const status of ['withdrawn', 'expired'] as const) {
      const s = await streamIn(api, w, status);
      const res = await request(api.url)
        .patch(`${API}/streams/${s.id}`)
        .set(bearer(w.users.officerA.token))
        .send({ version: s.version, title: 'Too late' })
        .expect(409);
      expect(res.body.code).toBe('ILLEGAL_TRANSITION');
    }
    const paused = await streamIn(api, w, 'paused');
    await request(api.url)
      .patch(`${API}/streams/${paused.id}`)
      .set(bearer(w.users.officerA.token))
      .send({ version: paused.version, maxDistanceKm: 30 })
      .expect(200);
  });

  it('will not publish a stream whose availability has ended until it is extended', async () => {
    const s = await streamIn(api, w, 'paused');
    await api.db.query(`UPDATE streams SET available_until = '2020-12-31' WHERE id = $1`, [s.id]);
    const res = await request(api.url)
      .post(`${API}/streams/${s.id}/status`)
      .set(bearer(w.users.officerA.token))
      .send({ status: 'active' })
      .expect(409);
    expect(res.body).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      message: expect.stringMatching(/2020-12-31/),
    });
  });

  it('hides another company’s stream from status changes (404) and province users (403)', async () => {
    const s = await streamIn(api, w, 'active');
    await request(api.url)
      .post(`${API}/streams/${s.id}/status`)
      .set(bearer(w.users.officerB.token))
      .send({ status: 'paused' })
      .expect(404);
    await request(api.url)
      .post(`${API}/streams/${s.id}/status`)
      .set(bearer(w.users.province.token))
      .send({ status: 'paused' })
      .expect(403);
    await request(api.url)
      .post(`${API}/streams/${s.id}/status`)
      .set(bearer(w.users.coordinator.token))
      .send({ status: 'paused' })
      .expect(200);
  });

  describe('expiry (the expire-streams job)', () => {
    it('expires active and paused streams whose last day has passed in the region, set-based, bumping versions', async () => {
      const byStatus: Record<string, { id: string; version: number }> = {};
      for (const status of ['draft', 'active', 'paused', 'withdrawn'] as const) {
        byStatus[status] = await streamIn(api, w, status);
        await api.db.query(`UPDATE streams SET available_until = '2031-03-31' WHERE id = $1`, [
          byStatus[status].id,
        ]);
      }
      const later = await streamIn(api, w, 'active');
      await api.db.query(`UPDATE streams SET available_until = '2031-04-01' WHERE id = $1`, [later.id]);
      const mine = new Set([...Object.values(byStatus).map((s) => s.id), later.id]);
      const service = api.app.get(StreamsService);

      // 31 March 23:59 in Brussels (CEST, UTC+2): still available.
      const before = await service.expireDue(new Date('2031-03-31T21:59:00Z'));
      expect(before.filter((s) => mine.has(s.streamId))).toEqual([]);

      // 1 April 00:00 in Brussels: the active and the paused stream expire, nothing else.
      const expired = await service.expireDue(new Date('2031-03-31T22:00:00Z'));
      const ours = expired.filter((s) => mine.has(s.streamId));
      expect(ours.sort((a, b) => (a.streamId < b.streamId ? -1 : 1))).toEqual(
        [byStatus.active, byStatus.paused]
          .map((s) => ({ streamId: s.id, version: s.version + 1 }))
          .sort((a, b) => (a.streamId < b.streamId ? -1 : 1)),
      );
      const rows = await api.db.query(`SELECT id, status, version FROM streams WHERE id = ANY($1::uuid[])`, [
        [...mine],
      ]);
      const status = Object.fromEntries(rows.map((r: { id: string; status: string }) => [r.id, r.status]));
      expect(status).toEqual({
        [byStatus.draft.id]: 'draft',
        [byStatus.active.id]: 'expired',
        [byStatus.paused.id]: 'expired',
        [byStatus.withdrawn.id]: 'withdrawn',
        [later.id]: 'active',
      });
      const job = await api.app
        .get(JobQueue)
        .queue(QueueName.Matching)
        .getJob(`match-stream_${byStatus.active.id}_v${byStatus.active.version + 1}`);
      expect(job?.data).toEqual({ streamId: byStatus.active.id, version: byStatus.active.version + 1 });

      // Idempotent: a second run at the same time finds nothing of ours.
      const again = await expireDueStreams(api.db, new Date('2031-03-31T22:00:00Z'));
      expect(again.filter((s) => mine.has(s.streamId))).toEqual([]);

      // An expired stream cannot be resumed.
      await request(api.url)
        .post(`${API}/streams/${byStatus.active.id}/status`)
        .set(bearer(w.users.officerA.token))
        .send({ status: 'active' })
        .expect(409);
    });
  });
});
