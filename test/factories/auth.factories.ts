/**
 * Credentials for tests: a real login through the API, or a token minted with the API's own
 * JwtService (no argon2 work, no login throttling: use it when you need many tokens fast).
 *
 *   const token = await loginAs(api, officer);
 *   await request(api.url).get('/api/v1/sites').set(bearer(token)).expect(200);
 */
import { JwtService } from '@nestjs/jwt';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { ApiHarness } from '../support/api-harness';

export const API = '/api/v1';

/**
 * A random client address for `X-Forwarded-For` (the API trusts the proxy header). Login failures
 * are counted per address in the shared test database, so tests that fail logins on purpose, and
 * loginAs, use their own address: one suite's failures never lock another suite out.
 */
export function testClientIp(): string {
  return `10.${randomBytes(3).join('.')}`;
}

/** Logs in through `POST /api/v1/auth/login` and returns the access token (fails the test otherwise). */
export async function loginAs(
  api: ApiHarness | { url: string },
  user: { email: string; password: string },
): Promise<string> {
  const res = await request(api.url)
    .post(`${API}/auth/login`)
    .set('x-forwarded-for', testClientIp())
    .send({ email: user.email, password: user.password });
  if (res.status !== 200) {
    throw new Error(`loginAs(${user.email}) got ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return (res.body as { accessToken: string }).accessToken;
}

/** An access token for a user id, signed by the running API's JwtService ({sub, typ: 'access'}). */
export function tokenFor(
  api: ApiHarness,
  user: { id: string },
  options: { expiresIn?: number } = {},
): string {
  const jwt = api.app.get(JwtService);
  return jwt.sign({ sub: user.id, typ: 'access' }, options.expiresIn ? { expiresIn: options.expiresIn } : {});
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

export function apiKeyHeader(key: string): { 'X-Api-Key': string } {
  return { 'X-Api-Key': key };
}
