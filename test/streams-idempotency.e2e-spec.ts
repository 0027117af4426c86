import { StreamsService } from '@symbiose/domain';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ApiHarness } from './support/api-harness';
import {
  bearer,
  createStreamWorld,
  heatSupply,
  streamCount,
  StreamWorld,
  startStreamsApi,
} from './streams-fixtures';

const API = '/api/v1';

describe('POST /streams with Idempotency-Key (real Postgres)', () => {
  let api: ApiHarness;
  let w: StreamWorld;
  beforeAll(async () => {
    api = await startStreamsApi();
    w = await createStreamWorld(api);
  });
  afterAll(async () => api?.close());

  const post = (token: string, key: string | undefined, body: Record<string, unknown>) => {
    const req = request(api.url).post(`${API}/streams`).set(bearer(token));
    return (key === undefined ? req : req.set('Idempotency-Key', key)).send(body);
  };
  const keyRows = (userId: string, key: string) =>
    api.db.query(
      `SELECT request_hash, response_status FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [userId, key],
    );

  it('answers a retry with the same key and body with the first response, writing nothing new', async () => {
    const key = randomUUID();
    const body = heatSupply(w.siteA, { title: 'Idempotent heat' });
    const first = await post(w.users.officerA.token, key, body).expect(201);
    const before = await streamCount(api.db);
    // Key order does not matter: the body is compared by value.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const second = await post(w.users.officerA.token, key, reordered).expect(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await streamCount(api.db)).toBe(before);
    expect(await keyRows(w.users.officerA.id, key)).toEqual([
      { request_hash: expect.stringMatching(/^[0-9a-f]{64}$/), response_status: 201 },
    ]);
  });

  it('answers the same key with another body with 409 IDEMPOTENCY_KEY_REUSED, writing nothing', async () => {
    const key = randomUUID();
    await post(w.users.officerA.token, key, heatSupply(w.siteA, { title: 'First body' })).expect(201);
    const before = await streamCount(api.db);
    const res = await post(w.users.officerA.token, key, heatSupply(w.siteA, { title: 'Second body' })).expect(
      409,
    );
    expect(res.body).toMatchObject({ statusCode: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(await streamCount(api.db)).toBe(before);
  });

  it('keeps keys per user: another user may use the same key', async () => {
    const key = randomUUID();
    const a = await post(w.users.officerA.token, key, heatSupply(w.siteA)).expect(201);
    const c = await post(w.users.coordinator.token, key, heatSupply(w.siteA)).expect(201);
    expect(c.body.id).not.toBe(a.body.id);
  });

  it('creates one stream for concurrent requests with one key', async () => {
    const key = randomUUID();
    const body = heatSupply(w.siteA, { title: 'Concurrent heat' });
    const before = await streamCount(api.db);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => post(w.users.officerA.token, key, body)),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    expect(await streamCount(api.db)).toBe(before + 1);
  });

  it('stores nothing for a failed request, so the key can be used again', async () => {
    const key = randomUUID();
    await post(w.users.officerA.token, key, heatSupply(w.siteB)).expect(404);
    await post(w.users.officerA.token, key, heatSupply(w.siteA, { title: 'x'.repeat(300) })).expect(400);
    expect(await keyRows(w.users.officerA.id, key)).toEqual([]);
    await post(w.users.officerA.token, key, heatSupply(w.siteA)).expect(201);
  });

  it('forgets a key after 24 hours: the same key then creates a new stream', async () => {
    const key = randomUUID();
    const body = heatSupply(w.siteA, { title: 'Old key' });
    const first = await post(w.users.officerA.token, key, body).expect(201);
    await api.db.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = $1 AND key = $2`,
      [w.users.officerA.id, key],
    );
    const second = await post(w.users.officerA.token, key, body).expect(201);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
  });

  it('purges expired keys (housekeeping)', async () => {
    const key = randomUUID();
    await post(w.users.officerA.token, key, heatSupply(w.siteA)).expect(201);
    await api.db.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = $1 AND key = $2`,
      [w.users.officerA.id, key],
    );
    expect(await api.app.get(StreamsService).purgeIdempotencyKeys()).toBeGreaterThanOrEqual(1);
    expect(await keyRows(w.users.officerA.id, key)).toEqual([]);
  });

  it('without a key, each POST creates a stream', async () => {
    const body = heatSupply(w.siteA, { title: 'No key' });
    const a = await post(w.users.officerA.token, undefined, body).expect(201);
    const b = await post(w.users.officerA.token, undefined, body).expect(201);
    expect(a.body.id).not.toBe(b.body.id);
  });
});
