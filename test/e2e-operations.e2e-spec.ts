import { spawnSync } from 'node:child_process';
import { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createUser } from './factories/identity.factories';
import { bearer, tokenFor } from './factories/auth.factories';
import { ApiHarness, pollUntil, startApi } from './support/api-harness';
import { PrivateRedis } from './support/redis-server';
import { startWorker } from './support/worker-harness';

describe('operations: boot checks, jobs through a real worker, Redis outage', () => {
  it('refuses to boot with an invalid variable, naming it', () => {
    const result = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
      {
        env: { ...process.env, PORT: 'abc', TS_NODE_PROJECT: 'tsconfig.json' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('"abc"');
  });

  describe('a job enqueued through the API', () => {
    let api: ApiHarness;
    let worker: INestApplicationContext;
    beforeAll(async () => {
      api = await startApi();
      worker = await startWorker(api.config);
    });
    afterAll(async () => {
      await worker.close();
      await api.close();
    });

    it('is processed by a real worker and its effect is visible in Postgres', async () => {
      const coordinator = await createUser(api.db, { role: 'coordinator' });
      const res = await request(api.url)
        .post('/api/v1/match-runs')
        .set(bearer(tokenFor(api, coordinator)))
        .send({ reason: 'foundation test' })
        .expect(202);
      expect(res.body.status).toBe('queued');
      const run = await pollUntil(
        async () => {
          const [row] = (await api.db.query(`SELECT status, total, done FROM match_runs WHERE id = $1`, [
            res.body.id,
          ])) as { status: string; total: number; done: number }[];
          return row?.status === 'done' ? row : null;
        },
        { what: 'the match run to finish', timeoutMs: 45_000 },
      );
      expect(run.done).toBe(run.total);
      const view = await request(api.url)
        .get(`/api/v1/match-runs/${res.body.id}`)
        .set(bearer(tokenFor(api, coordinator)))
        .expect(200);
      expect(view.body).toMatchObject({ id: res.body.id, status: 'done' });
    });

    it('exposes Prometheus metrics of the API, the queues and the worker to admins, not officers', async () => {
      const admin = await createUser(api.db, { role: 'admin' });
      const officerCompany = await api.db.query(
        `INSERT INTO companies (name, country, registration_number, nace_code)
         VALUES ('Metrics test company', 'NL', $1, '20.14') RETURNING id`,
        [String(10_000_000 + Math.floor(Math.random() * 89_999_999))],
      );
      const officer = await createUser(api.db, { role: 'officer', companyId: officerCompany[0].id });
      await request(api.url)
        .get('/metrics')
        .set(bearer(tokenFor(api, officer)))
        .expect(403);
      const coordinator = await createUser(api.db, { role: 'coordinator' });
      const run = await request(api.url)
        .post('/api/v1/match-runs')
        .set(bearer(tokenFor(api, coordinator)))
        .send({ reason: 'metrics test' })
        .expect(202);
      const completedRun = /symbiose_jobs_processed_total\{job="match-run",outcome="completed"\} [1-9]/;
      const text = await pollUntil(
        async () => {
          const res = await request(api.url)
            .get('/metrics')
            .set(bearer(tokenFor(api, admin)))
            .expect(200);
          return completedRun.test(res.text) ? res.text : null;
        },
        {
          what: `worker metrics to show the finished run ${run.body.id}`,
          timeoutMs: 40_000,
          intervalMs: 500,
        },
      );
      expect(text).toMatch(/symbiose_http_request_duration_seconds_bucket\{/);
      expect(text).toMatch(/symbiose_queue_jobs\{queue="matching",state="waiting"\} \d+/);
      expect(text).toMatch(/symbiose_dirty_streams \d+/);
      expect(text).toMatch(/symbiose_match_run_progress [\d.]+/);
      expect(text).toMatch(/symbiose_job_duration_seconds_bucket\{/);
    });
  });

  describe('with Redis stopped', () => {
    const redis = new PrivateRedis();
    let api: ApiHarness;
    beforeAll(async () => {
      await redis.start();
      api = await startApi({ REDIS_URL: redis.url });
    });
    afterAll(async () => {
      await api.close();
      await redis.stop();
    });

    it('readiness turns 503 naming Redis, other routes keep serving, and it recovers', async () => {
      await request(api.url).get('/health/ready').expect(200);
      await redis.stop();
      const down = await pollUntil(
        async () => {
          const res = await request(api.url).get('/health/ready');
          return res.status === 503 ? res : null;
        },
        { what: 'readiness to report Redis down' },
      );
      expect(down.body).toMatchObject({ statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE' });
      expect(down.body.message).toContain('redis');
      expect(down.body.errors).toHaveProperty('redis');
      expect(down.body.errors).not.toHaveProperty('postgres');
      await request(api.url).get('/health/live').expect(200);
      const coordinator = await createUser(api.app.get(DataSource), { role: 'coordinator' });
      const started = Date.now();
      const run = await request(api.url)
        .post('/api/v1/match-runs')
        .set(bearer(tokenFor(api, coordinator)))
        .send({})
        .expect(202);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(run.body.status).toBe('queued');
      await redis.start();
      await pollUntil(async () => (await request(api.url).get('/health/ready')).status === 200, {
        what: 'readiness to recover',
        timeoutMs: 20_000,
      });
    });
  });
});
