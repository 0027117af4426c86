/** Login throttling per account and per address (LOGIN_MAX_FAILURES within LOGIN_WINDOW_SECONDS). */
import request from 'supertest';
import { API, createUser, TestUser, testClientIp, uniqueTag } from './factories';
import { ApiHarness, startApi } from './support/api-harness';

const MAX = 3;
const WINDOW = 60;
const clientIp = testClientIp;

describe('identity: login throttling', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi({ LOGIN_MAX_FAILURES: String(MAX), LOGIN_WINDOW_SECONDS: String(WINDOW) });
  });
  afterAll(async () => api?.close());

  const attempt = (email: string, password: string, ip = clientIp()) =>
    request(api.url).post(`${API}/auth/login`).set('x-forwarded-for', ip).send({ email, password });
  const wrong = (user: TestUser, ip?: string) => attempt(user.email, 'wrong-password-123', ip);
  const user = () => createUser(api.db, { role: 'coordinator' });

  it('locks an account after MAX failures, even from different addresses and with the right password', async () => {
    const victim = await user();
    for (let i = 0; i < MAX; i++) expect((await wrong(victim)).status).toBe(401);
    const locked = await attempt(victim.email, victim.password);
    expect(locked.status).toBe(429);
    expect(locked.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW);
    // The e-mail is matched case-insensitively, so changing its case does not dodge the lock.
    expect((await attempt(victim.email.toUpperCase(), victim.password)).status).toBe(429);
  });

  it('locks an address after MAX failures across accounts', async () => {
    const ip = clientIp();
    for (let i = 0; i < MAX; i++) {
      expect((await attempt(`nobody.${uniqueTag()}@factory.test`, 'wrong-password-123', ip)).status).toBe(
        401,
      );
    }
    const innocent = await user();
    expect((await attempt(innocent.email, innocent.password, ip)).status).toBe(429);
    expect((await attempt(innocent.email, innocent.password, clientIp())).status).toBe(200);
  });

  it('a success clears the account counter', async () => {
    const someone = await user();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < MAX - 1; i++) expect((await wrong(someone)).status).toBe(401);
      expect((await attempt(someone.email, someone.password)).status).toBe(200);
    }
    const rows = await api.db.query(`SELECT 1 FROM login_failures WHERE key = $1`, [
      `email:${someone.email}`,
    ]);
    expect(rows).toHaveLength(0);
  });

  it('opens again when the window has passed', async () => {
    const someone = await user();
    for (let i = 0; i < MAX; i++) await wrong(someone);
    expect((await attempt(someone.email, someone.password)).status).toBe(429);
    await api.db.query(
      `UPDATE login_failures SET window_started_at = now() - make_interval(secs => $2 + 1) WHERE key = $1`,
      [`email:${someone.email}`, WINDOW],
    );
    expect((await attempt(someone.email, someone.password)).status).toBe(200);
  });

  it('a parallel burst of guesses cannot overshoot the account limit', async () => {
    const victim = await user();
    const statuses = (await Promise.all(Array.from({ length: 12 }, () => wrong(victim)))).map(
      (r) => r.status,
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - MAX);
  });

  it('does not count malformed requests', async () => {
    const someone = await user();
    const ip = clientIp();
    for (let i = 0; i < MAX + 2; i++) {
      const res = await request(api.url)
        .post(`${API}/auth/login`)
        .set('x-forwarded-for', ip)
        .send({ email: someone.email, password: 'p'.repeat(201) });
      expect(res.status).toBe(400);
    }
    expect((await attempt(someone.email, someone.password, ip)).status).toBe(200);
  });
});
