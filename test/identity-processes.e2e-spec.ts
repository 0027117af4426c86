/**
 * The API and the migration script as real processes: credentials never reach the logs, and
 * migrating creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD exactly once.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import request from 'supertest';
import { TEST_DATABASE_URL } from './setup/test-env';
import { API, bearer, createCompany, createUser, testClientIp, uniqueTag } from './factories';
import { pollUntil } from './support/api-harness';
import { createDataSource } from '@symbiose/domain';
import { DataSource } from 'typeorm';

const ROOT = `${__dirname}/..`;
const TS_NODE = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register'];
const secret = (label: string) => `${label}-${randomBytes(9).toString('base64url')}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'test',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: '{symbiose-test-processes}',
    ...extra,
  };
}

/** Runs a script to completion and returns everything it printed. */
function run(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...TS_NODE, script], { cwd: ROOT, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('identity: real processes', () => {
  let api: ChildProcess | undefined;
  let url: string;
  let logs = '';
  let db: DataSource;

  beforeAll(async () => {
    db = await createDataSource({ DATABASE_URL: TEST_DATABASE_URL }).initialize();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // The most verbose level, so anything the API could log about a request is in the capture.
    api = spawn(process.execPath, [...TS_NODE, 'apps/api/src/main.ts'], {
      cwd: ROOT,
      env: baseEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'trace' }),
    });
    api.stdout?.on('data', (d: Buffer) => (logs += d.toString()));
    api.stderr?.on('data', (d: Buffer) => (logs += d.toString()));
    await pollUntil(async () => (await request(url).get('/health/live')).status === 200, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: `the API process to listen (output so far:\n${logs.slice(-2000)})`,
    });
  }, 90_000);

  afterAll(async () => {
    if (api && api.exitCode === null) {
      const exited = new Promise((resolve) => api!.once('exit', resolve));
      api.kill('SIGTERM');
      await exited;
    }
    await db?.destroy();
  });

  it('never writes passwords, password hashes, tokens or API key secrets to its logs', async () => {
    const passwords = {
      login: secret('login-password'),
      wrong: secret('wrong-password'),
      unknownUser: secret('unknown-user-password'),
      invalidBody: secret('invalid-body-password'),
      created: secret('created-user-password'),
      conflict: secret('conflict-password'),
      patched: secret('patched-password'),
      changed: secret('changed-password'),
    };
    const company = await createCompany(db);
    const admin = await createUser(db, { role: 'admin', password: passwords.login });
    const officer = await createUser(db, { role: 'officer', companyId: company.id });
    const http = () => request(url);
    const loginRes = await http()
      .post(`${API}/auth/login`)
      .set('x-forwarded-for', testClientIp())
      .send({ email: admin.email, password: passwords.login })
      .expect(200);
    const token = loginRes.body.accessToken as string;
    await http()
      .post(`${API}/auth/login`)
      .set('x-forwarded-for', testClientIp())
      .send({ email: admin.email, password: passwords.wrong })
      .expect(401);
    await http()
      .post(`${API}/auth/login`)
      .set('x-forwarded-for', testClientIp())
      .send({ email: `ghost.${uniqueTag()}@factory.test`, password: passwords.unknownUser })
      .expect(401);
    await http()
      .post(`${API}/auth/login`)
      .set('x-forwarded-for', testClientIp())
      .send({ email: 'not-an-email', password: passwords.invalidBody, extra: true })
      .expect(400);
    const created = await http()
      .post(`${API}/users`)
      .set(bearer(token))
      .send({ email: `logs.${uniqueTag()}@factory.test`, password: passwords.created, role: 'coordinator' })
      .expect(201);
    await http()
      .post(`${API}/users`)
      .set(bearer(token))
      .send({ email: created.body.email, password: passwords.conflict, role: 'coordinator' })
      .expect(409);
    await http()
      .patch(`${API}/users/${officer.id}`)
      .set(bearer(token))
      .send({ password: passwords.patched })
      .expect(200);
    await http()
      .put(`${API}/auth/me/password`)
      .set(bearer(token))
      .send({ currentPassword: passwords.login, newPassword: passwords.changed })
      .expect(204);
    const key = await http().post(`${API}/api-keys`).set(bearer(token)).send({ name: 'logs' }).expect(201);
    const apiKey = key.body.key as string;
    const keySecret = apiKey.split('_').slice(2).join('_');
    await http().get(`${API}/auth/me`).set('X-Api-Key', apiKey).expect(200);
    await http()
      .get(`${API}/auth/me`)
      .set('X-Api-Key', `${apiKey.slice(0, -2)}zz`)
      .expect(401);
    await http().get(`${API}/sites?marker=last-request`).set(bearer(token)).expect(400);

    const hashes: { password_hash: string }[] = await db.query(
      `SELECT password_hash FROM users WHERE id = ANY($1)`,
      [[admin.id, officer.id, created.body.id]],
    );
    // The request log is written when each response is sent; wait until the last one is in.
    await pollUntil(async () => logs.includes('marker=last-request'), {
      what: 'the last request in the logs',
    });
    expect(logs).toContain('/api/v1/auth/login');
    expect(logs).toContain('/api/v1/api-keys');

    const forbidden: Record<string, string> = {
      ...passwords,
      token,
      apiKey,
      keySecret,
      ...Object.fromEntries(hashes.map((h, i) => [`passwordHash${i}`, h.password_hash])),
    };
    const found = Object.entries(forbidden).filter(([, value]) => logs.includes(value));
    expect(found.map(([name]) => name)).toEqual([]);
    expect(logs).not.toContain('$argon2');
  });

  it('creates the first admin when migrating, once, without printing the password', async () => {
    const email = `migrate.${uniqueTag()}@factory.test`;
    const password = secret('first-admin');
    const env = baseEnv({ ADMIN_EMAIL: email, ADMIN_PASSWORD: password });
    const first = await run('scripts/migrate.ts', env);
    expect(first).toMatchObject({ code: 0 });
    expect(first.output).toContain(`created the first admin ${email}`);
    const second = await run('scripts/migrate.ts', { ...env, ADMIN_PASSWORD: secret('ignored') });
    expect(second.code).toBe(0);
    expect(second.output).not.toContain('created the first admin');
    for (const output of [first.output, second.output]) expect(output).not.toContain(password);

    const login = await request(url)
      .post(`${API}/auth/login`)
      .set('x-forwarded-for', testClientIp())
      .send({ email, password })
      .expect(200);
    expect(login.body.user).toMatchObject({ email, role: 'admin' });
  }, 90_000);
});
