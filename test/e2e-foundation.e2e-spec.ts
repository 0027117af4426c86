import request from 'supertest';
import { ApiHarness, startApi } from './support/api-harness';

const METRICS_TOKEN = 'scraper-token-for-tests-0123456789';

describe('API foundation (real Postgres and Redis)', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ BODY_LIMIT_BYTES: '2048', METRICS_TOKEN: METRICS_TOKEN });
  });
  afterAll(async () => api.close());

  it('reports Postgres and Redis up on /health/ready', async () => {
    const res = await request(api.url).get('/health/ready').expect(200);
    expect(res.body.info).toEqual({ postgres: { status: 'up' }, redis: { status: 'up' } });
  });

  it('answers an unknown route with 404 in the shared error body', async () => {
    const res = await request(api.url).get('/api/v1/no-such-route').expect(404);
    expect(res.body).toMatchObject({ statusCode: 404, code: 'ROUTE_NOT_FOUND', message: 'Route not found' });
    expect(typeof res.body.requestId).toBe('string');
  });

  it('rejects an oversized body with 413', async () => {
    const res = await request(api.url)
      .post('/api/v1/auth/login')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(5000) }))
      .expect(413);
    expect(res.body).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
  });

  it('denies a route without credentials (default deny)', async () => {
    const res = await request(api.url).get('/metrics').expect(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
  });

  it('opens /metrics to the scraper token, and only to the right one', async () => {
    const res = await request(api.url)
      .get('/metrics')
      .set('authorization', `Bearer ${METRICS_TOKEN}`)
      .expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('symbiose_http_request_duration_seconds');
    await request(api.url).get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}x`).expect(401);
  });

  it('sets security headers and echoes a request id', async () => {
    const res = await request(api.url).get('/health/live').set('x-request-id', 'abc-123').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['x-request-id']).toBe('abc-123');
  });
});
