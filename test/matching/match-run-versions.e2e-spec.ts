import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobName, JobQueue } from '@symbiose/core';
import {
  matchFromScratch,
  MatchRunsService,
  pairKey,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
} from '@symbiose/domain';
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

  it('reconciles a populated store: pairs that stop qualifying expire, an acted-on one goes stale, the rest equal a clean run', async () => {
    const [acted] = (await db.query(`SELECT id, demand_stream_id FROM matches ORDER BY id LIMIT 1`)) as {
      id: string;
      demand_stream_id: string;
    }[];
    await db.query(`UPDATE matches SET supply_interest = 'interested' WHERE id = $1`, [acted.id]);
    // That demand now needs purer CO2 than any supply has: its 5 pairs stop qualifying. The change goes
    // round the incremental matcher (matched_version moves with it): only the full run sees it.
    await db.query(
      `UPDATE streams SET quality = '{"purityPct": 100}'::jsonb, version = version + 1,
         matched_version = version + 1 WHERE id = $1`,
      [acted.demand_stream_id],
    );
    const run = await runs.request('reconcile test', null);
    const status = await pollUntil(
      async () => {
        const [r] = (await db.query(`SELECT status FROM match_runs WHERE id = $1`, [run.id])) as {
          status: string;
        }[];
        return r.status === 'done' || r.status === 'failed' ? r.status : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'the run to finish' },
    );
    expect(status).toBe('done');
    const ofDemand = (await db.query(
      `SELECT id = $2 AS acted, status, qualifies, stale FROM matches WHERE demand_stream_id = $1
       ORDER BY id = $2, id`,
      [acted.demand_stream_id, acted.id],
    )) as { acted: boolean; status: string; qualifies: boolean; stale: boolean }[];
    const expired = { acted: false, status: 'expired', qualifies: false, stale: false };
    expect(ofDemand).toEqual([
      expired,
      expired,
      expired,
      expired,
      { acted: true, status: 'proposed', qualifies: false, stale: true },
    ]);
    const streams = (await db.query(`SELECT ${STREAM_COLUMNS} FROM streams`)) as StreamRow[];
    const clean = await matchFromScratch(streams.map(toMatchable), config.MATCH_TOP_K);
    const stored = (await db.query(
      `SELECT supply_stream_id, demand_stream_id FROM matches WHERE qualifies AND status = 'proposed'`,
    )) as { supply_stream_id: string; demand_stream_id: string }[];
    expect(clean.kept).toHaveLength(25);
    expect(stored.map((r) => pairKey(r.supply_stream_id, r.demand_stream_id)).sort()).toEqual(
      clean.kept.map((p) => pairKey(p.supplyId, p.demandId)).sort(),
    );
  });
});
