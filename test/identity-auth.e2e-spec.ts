/**
 * Login, tokens and API keys against the real API: what authenticates, what stops
 * authenticating at once, and that failures reveal nothing.
 */
import { JwtService } from '@nestjs/jwt';
import { EnvironmentVariables } from '@symbiose/core';
import { ensureFirstAdmin, hashApiKeySecret } from '@symbiose/domain';
import { createHash } from 'node:crypto';
import request from 'supertest';
import {
  API,
  apiKeyHeader,
  bearer,
  createApiKey,
  createCompany,
  createUser,
  DEFAULT_PASSWORD,
  loginAs,
  tokenFor,
  testClientIp,
  uniqueTag,
} from './factories';
import { ApiHarness, pollUntil, startApi } from './support/api-harness';

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const clientIp = testClientIp;

describe('identity: login, tokens and API keys', () => {
  let api: ApiHarness;
  const me = (headers: Record<string, string>) => request(api.url).get(`${API}/auth/me`).set(headers);

  beforeAll(async () => {
    // A generous login limit here: throttling has its own suite.
    api = await startApi({ LOGIN_MAX_FAILURES: '100' });
  });
  afterAll(async () => api?.close());

  describe('POST /auth/login', () => {
    it('returns a short-lived HS256 access token with exactly {sub, typ} claims and the user', async () => {
      const company = await createCompany(api.db);
      const officer = await createUser(api.db, { role: 'officer', companyId: company.id });
      const res = await request(api.url)
        .post(`${API}/auth/login`)
        .set('x-forwarded-for', clientIp())
        .send({ email: officer.email.toUpperCase(), password: officer.password })
        .expect(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: api.config.JWT_TTL_SECONDS,
        user: {
          id: officer.id,
          email: officer.email,
          role: 'officer',
          companyId: company.id,
          region: null,
          disabled: false,
          disabledAt: null,
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      });
      const [header, payload] = (res.body.accessToken as string)
        .split('.')
        .slice(0, 2)
        .map(
          (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>,
        );
      expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(Object.keys(payload).sort()).toEqual(['exp', 'iat', 'sub', 'typ']);
      expect(payload).toMatchObject({ sub: officer.id, typ: 'access' });
      expect(Number(payload.exp) - Number(payload.iat)).toBe(api.config.JWT_TTL_SECONDS);

      const who = await me(bearer(res.body.accessToken)).expect(200);
      expect(who.body).toMatchObject({ id: officer.id, role: 'officer', authenticatedVia: 'jwt' });
      expect(JSON.stringify(who.body)).not.toMatch(/password|hash/i);
    });

    it('gives the same 401 for an unknown e-mail, a wrong password and a disabled account', async () => {
      const user = await createUser(api.db, { role: 'coordinator' });
      const disabled = await createUser(api.db, { role: 'coordinator', disabled: true });
      const attempt = (email: string, password: string) =>
        request(api.url)
          .post(`${API}/auth/login`)
          .set('x-forwarded-for', clientIp())
          .send({ email, password });
      const bodies = [
        await attempt(`nobody.${uniqueTag()}@factory.test`, DEFAULT_PASSWORD),
        await attempt(user.email, 'wrong-password-123'),
        await attempt(disabled.email, disabled.password),
      ].map((res) => {
        expect(res.status).toBe(401);
        const { requestId, ...rest } = res.body as { requestId: string };
        expect(requestId).toEqual(expect.any(String));
        return rest;
      });
      expect(bodies[0]).toEqual({
        statusCode: 401,
        code: 'UNAUTHENTICATED',
        message: 'Invalid e-mail or password',
      });
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
    });

    it('takes about as long for an unknown e-mail as for a wrong password (dummy hash)', async () => {
      const user = await createUser(api.db, { role: 'coordinator' });
      const time = async (email: string) => {
        const started = process.hrtime.bigint();
        await request(api.url)
          .post(`${API}/auth/login`)
          .set('x-forwarded-for', clientIp())
          .send({ email, password: 'wrong-password-123' })
          .expect(401);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 7; i++) {
        known.push(await time(user.email));
        unknown.push(await time(`ghost.${uniqueTag()}@factory.test`));
      }
      // Without the dummy verification an unknown e-mail answers in a few ms instead of an argon2 run.
      expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
      expect(median(known)).toBeGreaterThan(median(unknown) * 0.5);
    });

    it('rejects malformed input with 400 before checking anything', async () => {
      const post = (body: unknown) =>
        request(api.url)
          .post(`${API}/auth/login`)
          .set('x-forwarded-for', clientIp())
          .send(body as object);
      expect((await post({ email: 'not-an-email', password: 'x' })).body.errors).toEqual({
        email: expect.any(String),
      });
      expect((await post({ email: 'a@example.com' })).body.errors).toEqual({ password: expect.any(String) });
      expect((await post({ email: 'a@example.com', password: 'p'.repeat(201) })).status).toBe(400);
      expect(
        (await post({ email: 'a@example.com', password: 'secret-secret', role: 'admin' })).body,
      ).toMatchObject({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        errors: { role: 'unknown property' },
      });
      expect((await post({ email: ['a@example.com'], password: 12 })).status).toBe(400);
    });
  });

  describe('access tokens', () => {
    let user: Awaited<ReturnType<typeof createUser>>;
    beforeAll(async () => {
      user = await createUser(api.db, { role: 'coordinator' });
    });

    it('accepts a token minted by the API itself (control)', async () => {
      await me(bearer(tokenFor(api, user))).expect(200);
    });

    it('rejects alg none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: user.id, typ: 'access', iat: now, exp: now + 600 })}.`;
      expect((await me(bearer(token))).status).toBe(401);
    });

    it('rejects a wrong signature, another algorithm and a tampered payload', async () => {
      const wrongKey = new JwtService({ secret: 'another-secret-that-is-long-enough-0123456789' });
      expect((await me(bearer(wrongKey.sign({ sub: user.id, typ: 'access' })))).status).toBe(401);
      const hs512 = new JwtService({ secret: api.config.JWT_SECRET, signOptions: { algorithm: 'HS512' } });
      expect((await me(bearer(hs512.sign({ sub: user.id, typ: 'access' })))).status).toBe(401);
      const other = await createUser(api.db, { role: 'admin' });
      const [h, , s] = tokenFor(api, user).split('.');
      const now = Math.floor(Date.now() / 1000);
      const tampered = `${h}.${b64url({ sub: other.id, typ: 'access', iat: now, exp: now + 600 })}.${s}`;
      expect((await me(bearer(tampered))).status).toBe(401);
    });

    it('rejects an expired token', async () => {
      const jwt = new JwtService({ secret: api.config.JWT_SECRET });
      const past = Math.floor(Date.now() / 1000) - 3600;
      const expired = jwt.sign({ sub: user.id, typ: 'access', iat: past, exp: past + 60 });
      const res = await me(bearer(expired)).expect(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    });

    it('rejects a token of another type or without a subject, and garbage', async () => {
      const jwt = new JwtService({ secret: api.config.JWT_SECRET });
      expect((await me(bearer(jwt.sign({ sub: user.id, typ: 'refresh' })))).status).toBe(401);
      expect((await me(bearer(jwt.sign({ typ: 'access' })))).status).toBe(401);
      expect((await me(bearer('not.a.jwt'))).status).toBe(401);
      expect((await me({ Authorization: 'Basic abc' })).status).toBe(401);
    });

    it("rejects a deleted user's token", async () => {
      const doomed = await createUser(api.db, { role: 'coordinator' });
      const token = tokenFor(api, doomed);
      await me(bearer(token)).expect(200);
      await api.db.query(`DELETE FROM users WHERE id = $1`, [doomed.id]);
      await me(bearer(token)).expect(401);
    });
  });

  describe('API keys', () => {
    it('shows the secret once, stores only its sha256 and authenticates with X-Api-Key', async () => {
      const officer = await createUser(api.db, {
        role: 'officer',
        companyId: (await createCompany(api.db)).id,
      });
      const token = await loginAs(api, officer);
      const created = await request(api.url)
        .post(`${API}/api-keys`)
        .set(bearer(token))
        .send({ name: 'BI refresh' })
        .expect(201);
      const key = created.body.key as string;
      expect(key).toMatch(/^sym_[A-Za-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
      expect(created.body).toMatchObject({
        name: 'BI refresh',
        active: true,
        lastUsedAt: null,
        revokedAt: null,
      });
      const [, prefix, secret] = /^sym_([A-Za-z0-9]+)_(.+)$/.exec(key)!;
      expect(created.body.prefix).toBe(prefix);

      const [row] = await api.db.query(`SELECT prefix, secret_hash FROM api_keys WHERE id = $1`, [
        created.body.id,
      ]);
      expect(row).toEqual({ prefix, secret_hash: hashApiKeySecret(secret) });
      expect(row.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
      expect(JSON.stringify(row)).not.toContain(secret);

      const listed = await request(api.url).get(`${API}/api-keys`).set(bearer(token)).expect(200);
      expect(listed.body).toMatchObject({ page: 1, pageSize: 20, total: 1 });
      expect(listed.body.items[0]).toEqual({
        id: created.body.id,
        name: 'BI refresh',
        prefix,
        active: true,
        createdAt: expect.any(String),
        lastUsedAt: null,
        revokedAt: null,
      });
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      const one = await request(api.url)
        .get(`${API}/api-keys/${created.body.id}`)
        .set(bearer(token))
        .expect(200);
      expect(one.body.key).toBeUndefined();

      const who = await me(apiKeyHeader(key)).expect(200);
      expect(who.body).toMatchObject({ id: officer.id, authenticatedVia: 'api_key' });
      const used = await pollUntil(
        async () => {
          const [r] = await api.db.query(`SELECT last_used_at FROM api_keys WHERE id = $1`, [
            created.body.id,
          ]);
          return r.last_used_at as Date | null;
        },
        { what: 'last_used_at' },
      );
      expect(Date.now() - new Date(used).getTime()).toBeLessThan(60_000);
    });

    it('rejects unknown, malformed and wrong-secret keys', async () => {
      const user = await createUser(api.db, { role: 'coordinator' });
      const key = await createApiKey(api.db, user.id);
      await me(apiKeyHeader(key.key)).expect(200);
      await me(apiKeyHeader(`${key.key.slice(0, -1)}${key.key.endsWith('A') ? 'B' : 'A'}`)).expect(401);
      await me(apiKeyHeader(`sym_${'Z'.repeat(12)}_${'a'.repeat(43)}`)).expect(401);
      await me(apiKeyHeader('definitely-not-a-key')).expect(401);
    });

    it('stops a revoked key at once', async () => {
      const user = await createUser(api.db, { role: 'province', region: 'BE-VOV' });
      const token = tokenFor(api, user);
      const created = await request(api.url)
        .post(`${API}/api-keys`)
        .set(bearer(token))
        .send({ name: 'x' })
        .expect(201);
      await me(apiKeyHeader(created.body.key)).expect(200);
      await request(api.url).delete(`${API}/api-keys/${created.body.id}`).set(bearer(token)).expect(204);
      await me(apiKeyHeader(created.body.key)).expect(401);
      // Revoking again is harmless; the key shows as revoked.
      await request(api.url).delete(`${API}/api-keys/${created.body.id}`).set(bearer(token)).expect(204);
      const shown = await request(api.url)
        .get(`${API}/api-keys/${created.body.id}`)
        .set(bearer(token))
        .expect(200);
      expect(shown.body).toMatchObject({ active: false, revokedAt: expect.any(String) });
    });

    it('cannot mint more keys with a key (a leaked key must not outlive its revocation)', async () => {
      const user = await createUser(api.db, { role: 'coordinator' });
      const key = await createApiKey(api.db, user.id);
      const res = await request(api.url)
        .post(`${API}/api-keys`)
        .set(apiKeyHeader(key.key))
        .send({ name: 'x' });
      expect(res.status).toBe(403);
      await request(api.url).get(`${API}/api-keys`).set(apiKeyHeader(key.key)).expect(200);
    });

    it('caps active keys per user', async () => {
      const user = await createUser(api.db, { role: 'coordinator' });
      await Promise.all(Array.from({ length: 25 }, () => createApiKey(api.db, user.id)));
      const res = await request(api.url)
        .post(`${API}/api-keys`)
        .set(bearer(tokenFor(api, user)))
        .send({ name: 'one too many' });
      expect(res.status).toBe(409);
    });
  });

  describe('disabling a user', () => {
    it("stops the user's tokens and API keys at once, and re-enabling restores them", async () => {
      const admin = await createUser(api.db, { role: 'admin' });
      const company = await createCompany(api.db);
      const officer = await createUser(api.db, { role: 'officer', companyId: company.id });
      const token = await loginAs(api, officer);
      const key = await createApiKey(api.db, officer.id);
      await me(bearer(token)).expect(200);
      await me(apiKeyHeader(key.key)).expect(200);

      const adminToken = tokenFor(api, admin);
      const disabled = await request(api.url)
        .patch(`${API}/users/${officer.id}`)
        .set(bearer(adminToken))
        .send({ disabled: true })
        .expect(200);
      expect(disabled.body).toMatchObject({ disabled: true, disabledAt: expect.any(String) });
      await me(bearer(token)).expect(401);
      await me(apiKeyHeader(key.key)).expect(401);
      await request(api.url)
        .post(`${API}/auth/login`)
        .set('x-forwarded-for', clientIp())
        .send({ email: officer.email, password: officer.password })
        .expect(401);

      await request(api.url)
        .patch(`${API}/users/${officer.id}`)
        .set(bearer(adminToken))
        .send({ disabled: false });
      await me(bearer(token)).expect(200);
      await me(apiKeyHeader(key.key)).expect(200);
    });
  });

  describe('PUT /auth/me/password', () => {
    it('changes the password when the current one is given', async () => {
      const user = await createUser(api.db, { role: 'coordinator' });
      const token = await loginAs(api, user);
      const change = (body: object) =>
        request(api.url).put(`${API}/auth/me/password`).set(bearer(token)).send(body);
      expect(
        (await change({ currentPassword: 'wrong-password-1', newPassword: 'a-brand-new-password' })).body,
      ).toMatchObject({ statusCode: 400, errors: { currentPassword: expect.any(String) } });
      expect((await change({ currentPassword: user.password, newPassword: 'short' })).body.errors).toEqual({
        newPassword: expect.any(String),
      });
      expect((await change({ currentPassword: user.password, newPassword: 'x', role: 'admin' })).status).toBe(
        400,
      );
      await change({ currentPassword: user.password, newPassword: 'a-brand-new-password' }).then((r) =>
        expect(r.status).toBe(204),
      );
      await request(api.url)
        .post(`${API}/auth/login`)
        .set('x-forwarded-for', clientIp())
        .send({ email: user.email, password: user.password })
        .expect(401);
      await loginAs(api, { email: user.email, password: 'a-brand-new-password' });
      const [row] = await api.db.query(`SELECT role FROM users WHERE id = $1`, [user.id]);
      expect(row.role).toBe('coordinator');
    });

    it('is not available to API-key callers', async () => {
      const user = await createUser(api.db, { role: 'coordinator' });
      const key = await createApiKey(api.db, user.id);
      const res = await request(api.url)
        .put(`${API}/auth/me/password`)
        .set(apiKeyHeader(key.key))
        .send({ currentPassword: user.password, newPassword: 'a-brand-new-password' });
      expect(res.status).toBe(403);
    });
  });

  describe('ensureFirstAdmin', () => {
    it('creates the admin once and never overwrites its password', async () => {
      const email = `First.Admin.${uniqueTag()}@Factory.test`;
      const first = await ensureFirstAdmin(api.db, {
        ADMIN_EMAIL: email,
        ADMIN_PASSWORD: 'first-admin-password',
      });
      expect(first).toEqual({ created: true, userId: expect.any(String) });
      const again = await ensureFirstAdmin(api.db, {
        ADMIN_EMAIL: email,
        ADMIN_PASSWORD: 'another-password-1',
      });
      expect(again).toEqual({ created: false, userId: first.userId });
      await loginAs(api, { email, password: 'first-admin-password' });
      await request(api.url)
        .post(`${API}/auth/login`)
        .set('x-forwarded-for', clientIp())
        .send({ email, password: 'another-password-1' })
        .expect(401);
      const [row] = await api.db.query(`SELECT role, email FROM users WHERE id = $1`, [first.userId]);
      expect(row).toEqual({ role: 'admin', email: email.toLowerCase() });
    });

    it('runs concurrently without duplicates and leaves a non-admin with that e-mail alone', async () => {
      const email = `race.${uniqueTag()}@factory.test`;
      const results = await Promise.all(
        [1, 2, 3].map(() =>
          ensureFirstAdmin(api.db, { ADMIN_EMAIL: email, ADMIN_PASSWORD: 'race-admin-password' }),
        ),
      );
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.userId)).size).toBe(1);

      const coordinator = await createUser(api.db, { role: 'coordinator' });
      const result = await ensureFirstAdmin(api.db, {
        ADMIN_EMAIL: coordinator.email,
        ADMIN_PASSWORD: 'x'.repeat(12),
      });
      expect(result).toMatchObject({ created: false, userId: coordinator.id, warning: expect.any(String) });
      const [row] = await api.db.query(`SELECT role FROM users WHERE id = $1`, [coordinator.id]);
      expect(row.role).toBe('coordinator');
    });

    it('refuses the built-in demo password in production', async () => {
      await expect(
        ensureFirstAdmin(api.db, {
          ADMIN_EMAIL: `prod.${uniqueTag()}@factory.test`,
          ADMIN_PASSWORD: new EnvironmentVariables().ADMIN_PASSWORD,
          NODE_ENV: 'production',
        }),
      ).rejects.toThrow(/ADMIN_PASSWORD/);
    });
  });
});
