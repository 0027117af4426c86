import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobName, JobQueue } from '@symbiose/core';
import { MatchRunsService } from '@symbiose/domain';
import { CURRENT_FACTOR_SET, ENGINE_VERSION } from '@symbiose/engine';
import { DataSource } from 'typeorm';
import { pollUntil } from '../support/api-harness';
import { drain, isolatedConfig, obliterateQueues, startWorker } from '../support/worker-harness';
import { createWorld, insertStream, prng } from './matching-fixtures';

/** A full re-match starts by itself when the stored matches come from another engine or factor set. */
describe('full re-match on an engine or factor-set change', () => {
  let config: AppConfig;
  let worker: INestApplicationContext;
  let db: DataSource;
  let queue: JobQueue;
  let runs: MatchRunsService;

  beforeAll(async () => {
    // The sweeper runs only when the test enqueues it.
    config = await isolatedConfig('versions', { SWEEP_INTERVAL_MS: '3600000' });
    worker = await startWorker(config);
    db = worker.get(DataSource);
    queue = worker.get(JobQueue);
    runs = worker.get(MatchRunsService);
    await obliterateQueues(queue);
    await db.query(`TRUNCATE matches, match_runs, stream_match_state, streams, sites, companies CASCADE`);
    const rnd = prng(11);
    const world = await createWorld(db, 6, rnd);
    const created = [];
    for (const site of world.sites) {
      created.push(await insertStream(db, site, 'supply', rnd, 'co2'));
      created.push(await insertStream(db, site, 'demand', rnd, 'co2'));
    }
    // Pure enough CO2 for every need, demands that burn gas for it today: every pair qualifies.
    await db.query(`UPDATE streams SET quality = CASE direction WHEN 'supply' THEN '{"purityPct": 99.9}'::jsonb
      ELSE '{"purityPct": 95}'::jsonb END, current_source = CASE direction WHEN 'demand'
      THEN 'gas_combustion_co2' ELSE current_source END, version = version + 1`);
    const streams = (await db.query(`SELECT id, version FROM streams`)) as { id: string; version: number }[];
    for (const s of streams) await queue.add(JobName.MatchStream, { streamId: s.id, version: s.version });
    await drain(db, queue);
    expect(created).toHaveLength(12);
  });
  afterAll(async () => worker.close());

  async function versions() {
    return (await db.query(
      `SELECT engine_version, factor_set_version, count(*)::int AS n FROM matches GROUP BY 1, 2 ORDER BY 1, 2`,
    )) as { engine_version: string; factor_set_version: string; n: number }[];
  }

  it('the sweeper requests a run for outdated matches and the run brings every match to the current versions', async () => {
    const [current] = await versions();
    expect(current).toEqual({
      engine_version: ENGINE_VERSION,
      factor_set_version: CURRENT_FACTOR_SET.version,
      n: expect.any(Number),
    });
    // 6 companies with one CO2 supply and one demand each: every supply serves the 5 other companies' demands.
    expect(current.n).toBe(30);
    await db.query(`UPDATE matches SET engine_version = 'engine-0', factor_set_version = 'factors-0'`);

    await queue.add(JobName.SweepDirtyStreams, {});
    const run = await pollUntil(
      async () => {
        const [r] = (await db.query(
          `SELECT status, reason, matches_written FROM match_runs WHERE status IN ('done', 'failed')`,
        )) as { status: string; reason: string; matches_written: number }[];
        return r;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the version-change run to finish' },
    );
    expect(run).toEqual({ status: 'done', reason: 'engine or factor set changed', matches_written: 30 });
    expect(await versions()).toEqual([
      { engine_version: ENGINE_VERSION, factor_set_version: CURRENT_FACTOR_SET.version, n: 30 },
    ]);
  });

  it('after finding the store current, checks again only once the recheck interval has passed', async () => {
    expect(await runs.requestIfVersionsChanged()).toBeNull();
    await db.query(
      `UPDATE matches SET factor_set_version = 'factors-0' WHERE ctid IN (SELECT ctid FROM matches LIMIT 1)`,
    );
    // Within the hour: no scan, no run (only another release's process could have written that row).
    expect(await runs.requestIfVersionsChanged()).toBeNull();
    const [{ n: before }] = (await db.query(`SELECT count(*)::int AS n FROM match_runs`)) as { n: number }[];
    expect(before).toBe(1);
    const requested = await runs.requestIfVersionsChanged(0);
    expect(requested).toMatchObject({ reason: 'engine or factor set changed' });
    await pollUntil(
      async () => {
        const [r] = (await db.query(`SELECT status FROM match_runs WHERE id = $1`, [requested!.id])) as {
          status: string;
        }[];
        return r.status === 'done' || r.status === 'failed' ? r.status : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the second run to finish' },
    ).then((status) => expect(status).toBe('done'));
    expect(await versions()).toEqual([
      { engine_version: ENGINE_VERSION, factor_set_version: CURRENT_FACTOR_SET.version, n: 30 },
    ]);
  });
});
