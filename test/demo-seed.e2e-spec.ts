import { JobQueue, QueueName } from '@symbiose/core';
import {
  createDataSource,
  DEMO_PASSWORD,
  DEMO_REGION,
  demoOfficerEmail,
  migrateDatabase,
  seedDemo,
} from '@symbiose/domain';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import request from 'supertest';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { TEST_DATABASE_URL, testConfig } from './setup/test-env';
import { ApiHarness, startApi } from './support/api-harness';

/** The seed gets a database of its own, so its fixed natural keys never meet other suites' rows. */
const SEED_DATABASE_URL = TEST_DATABASE_URL.replace(/\/[^/]+$/, '/symbiose_test_seed');
const SEED_QUEUE_PREFIX = '{symbiose-test-seed}';

async function recreateDatabase(url: string): Promise<void> {
  const admin = new Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS symbiose_test_seed WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  await migrateDatabase({ DATABASE_URL: url });
}

/** Every row of the seeded tables, timestamps left out. */
async function dump(db: DataSource): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['companies', 'sites', 'users', 'streams']) {
    const rows = (await db.query(
      `SELECT to_jsonb(t) - 'created_at' - 'updated_at' AS row FROM ${table} t ORDER BY id`,
    )) as { row: unknown }[];
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

describe('demo seed (npm run seed:demo)', () => {
  const config = testConfig({ DATABASE_URL: SEED_DATABASE_URL, QUEUE_PREFIX: SEED_QUEUE_PREFIX });
  let db: DataSource;
  let queue: JobQueue;

  beforeAll(async () => {
    await recreateDatabase(SEED_DATABASE_URL);
    db = createDataSource(config);
    await db.initialize();
    queue = new JobQueue(config);
  });
  afterAll(async () => {
    await queue?.queue(QueueName.Matching).obliterate({ force: true });
    await queue?.onApplicationShutdown();
    await db?.destroy();
  });

  let first: Record<string, unknown[]>;

  it('ships the reference region unchanged (shared/reference/sdr-region.json, about text included)', () => {
    const shared = `${__dirname}/../../shared/reference/sdr-region.json`;
    if (!existsSync(shared)) return; // a checkout without shared/ beside it
    expect(DEMO_REGION).toEqual(JSON.parse(readFileSync(shared, 'utf8')));
    expect(DEMO_REGION.about).toMatch(/For demonstration and tests only/);
  });

  it('loads the reference region: companies, sites, users of every role and dirty active streams', async () => {
    const result = await seedDemo(db, config, { queue });
    expect(result.companies).toEqual({ created: DEMO_REGION.companies.length, updated: 0, unchanged: 0 });
    expect(result.streams).toEqual({ created: DEMO_REGION.streams.length, updated: 0, unchanged: 0 });
    expect(result.admin.created).toBe(true);
    first = await dump(db);
    expect(first.companies).toHaveLength(11);
    expect(first.sites).toHaveLength(11);
    expect(first.streams).toHaveLength(15);
    const roles = await db.query(`SELECT role, count(*)::int AS n FROM users GROUP BY role ORDER BY role`);
    expect(roles).toEqual([
      { role: 'admin', n: 1 },
      { role: 'coordinator', n: 1 },
      { role: 'officer', n: 11 },
      { role: 'province', n: 1 },
    ]);
    const [province] = await db.query(`SELECT region FROM users WHERE role = 'province'`);
    expect(province.region).toBe('BE-VOV');
    const streams = await db.query(`SELECT status, version, matched_version FROM streams`);
    expect(
      streams.every(
        (s: { status: string; version: number; matched_version: number }) =>
          s.status === 'active' && s.version === 1 && s.matched_version === 0,
      ),
    ).toBe(true);
    const [yaraHeat] = await db.query(
      `SELECT annual_quantity, canonical_unit, latitude, has_quay, description FROM streams WHERE title = 'Low-grade process heat'`,
    );
    expect(yaraHeat).toEqual({
      annual_quantity: 500000,
      canonical_unit: 'MWh/yr',
      latitude: 51.276,
      has_quay: true,
      description: 'Basis: WarmCO2 full build-out ~1,800 TJ/yr',
    });
    expect(result.enqueued).toBe(15);
    const counts = await queue.queue(QueueName.Matching).getJobCounts('waiting', 'prioritized');
    expect((counts.waiting ?? 0) + (counts.prioritized ?? 0)).toBe(15);
  });

  it('changes nothing when run again through npm run seed:demo (same rows, timestamps aside)', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'seed:demo'], {
      cwd: `${__dirname}/..`,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: SEED_DATABASE_URL,
        REDIS_URL: config.REDIS_URL,
        QUEUE_PREFIX: SEED_QUEUE_PREFIX,
        LOG_LEVEL: 'silent',
      },
      timeout: 60_000,
    });
    expect(stdout).toContain('streams    0 created, 0 updated, 15 unchanged');
    expect(stdout).toContain('users      0 created, 0 updated, 13 unchanged');
    expect(stdout).toContain(`${demoOfficerEmail('yara')}`);
    expect(stdout).toContain('DEMO ONLY');
    expect(await dump(db)).toEqual(first);
    // The same jobs (deterministic ids): nothing new in the queue.
    const counts = await queue.queue(QueueName.Matching).getJobCounts('waiting', 'prioritized');
    expect((counts.waiting ?? 0) + (counts.prioritized ?? 0)).toBe(15);
  });

  it('follows an edit of the reference data: a changed stream is rewritten and its version bumped', async () => {
    await db.query(
      `UPDATE streams SET annual_quantity = 1, version = version + 1 WHERE title = 'Fermentation CO2'`,
    );
    const result = await seedDemo(db, config);
    expect(result.streams).toEqual({ created: 0, updated: 1, unchanged: 14 });
    const [row] = await db.query(
      `SELECT annual_quantity, version FROM streams WHERE title = 'Fermentation CO2'`,
    );
    expect(row).toEqual({ annual_quantity: 120000, version: 3 });
  });

  describe('through the API', () => {
    let api: ApiHarness;
    beforeAll(async () => {
      api = await startApi({ DATABASE_URL: SEED_DATABASE_URL, QUEUE_PREFIX: SEED_QUEUE_PREFIX });
    });
    afterAll(async () => api?.close());

    it('lets a demo officer sign in with the demo password and see their company’s streams', async () => {
      const login = await request(api.url)
        .post('/api/v1/auth/login')
        .send({ email: demoOfficerEmail('yara'), password: DEMO_PASSWORD })
        .expect(200);
      const res = await request(api.url)
        .get('/api/v1/streams')
        .set({ Authorization: `Bearer ${login.body.accessToken}` })
        .expect(200);
      expect(res.body.items.map((s: { title: string }) => s.title).sort()).toEqual([
        'Hydrogen for ammonia synthesis',
        'Low-grade process heat',
        'Process CO2 from ammonia plant',
      ]);
    });
  });
});
