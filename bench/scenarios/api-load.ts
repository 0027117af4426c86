/**
 * Scenario 5: the API under a fixed request rate (bench/load/load-runner.ts: open-loop, evenly spaced
 * requests, latency from when each was due), the load generator pinned to core 1 and the API to core 0 where there are two
 * cores. GET /streams/:id/matches and POST /streams as officers of the region; baseline: GET
 * /health/live (no auth, no database, not logged) at the same rate.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../config';
import type { BenchContext } from '../context';
import { requireServices } from '../context';
import type { BenchServices } from '../services';
import { QueueName } from '@symbiose/core';
import type { LoadJob, LoadRequest, LoadResult, LoadRun } from '../load/load-runner';
import { quiesce } from '../quiesce';
import { Draw, seededRandom } from '../random';
import { createStreamBody, drawStream, zoneOf } from '../region.generator';
import type { Figure, ScenarioResult } from '../report';
import { fmt } from '../stats';

/** Marks the streams POSTed under load, so they can be removed again after each repeat. */
const LOAD_MARK = '[api-load]';

/** Drops the matching backlog the POSTs left and the streams they created (the region stays as it was). */
async function cleanUp(ctx: BenchContext, services: BenchServices): Promise<number> {
  await services.queue(QueueName.Matching).drain(true);
  // The delete cascades into matches and plan items, which a debounced allocation started after the
  // quiet period may be writing: Postgres then breaks the deadlock by failing one side; try again.
  for (let attempt = 1; ; attempt++) {
    await quiesce(services);
    try {
      const { rowCount } = await ctx.db.query(`DELETE FROM streams WHERE description LIKE $1`, [
        `%${LOAD_MARK}`,
      ]);
      return rowCount ?? 0;
    } catch (err) {
      if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
    }
  }
}

async function runJob(ctx: BenchContext, job: LoadJob): Promise<LoadResult[]> {
  if (ctx.cfg.services === 'in-process') {
    const { runLoadJob } = await import('../load/load-runner');
    return runLoadJob(job);
  }
  const dir = mkdtempSync(join(tmpdir(), 'symbiose-bench-load-'));
  const jobFile = join(dir, 'job.json');
  const outFile = join(dir, 'out.json');
  writeFileSync(jobFile, JSON.stringify(job));
  const nodeArgs = [
    '-r',
    'ts-node/register/transpile-only',
    join(REPO_ROOT, 'bench/load/load-runner.ts'),
    jobFile,
    outFile,
  ];
  const [cmd, args] = ctx.cfg.pin
    ? ['taskset', ['-c', '1', process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`load runner exited with ${code}`)),
    );
  });
  return JSON.parse(readFileSync(outFile, 'utf8')) as LoadResult[];
}

export async function apiLoadScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { cfg, db } = ctx;
  const { services, minter } = requireServices(ctx);
  const d = new Draw(seededRandom(cfg.seed ^ 0x10ad));

  // GET pool: streams that have matches, drawn at random (deterministic order by hash).
  const withMatches = (
    await db.query<{ id: string; company_id: string }>(
      `SELECT s.id, s.company_id FROM streams s
       WHERE s.status = 'active' AND EXISTS (SELECT 1 FROM matches m WHERE m.supply_stream_id = s.id OR m.demand_stream_id = s.id)
       ORDER BY md5(s.id::text || $1) LIMIT 300`,
      [String(cfg.seed)],
    )
  ).rows;
  if (withMatches.length === 0) throw new Error('no stream with matches to read');
  const postStreams = Array.from({ length: 400 }, (_, i) => {
    const site = d.pick(ctx.region.sites);
    return drawStream(d, `load-${i}`, site, zoneOf(site));
  });
  const tokens = new Map<string, string>();
  const token = (companyId: string) => {
    let t = tokens.get(companyId);
    if (!t) {
      const officer = ctx.officers.get(companyId);
      if (!officer) throw new Error(`no officer for company ${companyId}`);
      tokens.set(companyId, (t = `Bearer ${minter.tokenFor(officer)}`));
    }
    return t;
  };
  const gets: LoadRequest[] = withMatches.map((r) => ({
    method: 'GET',
    path: `/api/v1/streams/${r.id}/matches?pageSize=20`,
    headers: { authorization: token(r.company_id) },
  }));
  const posts: LoadRequest[] = postStreams.map((s) => ({
    method: 'POST',
    path: '/api/v1/streams',
    headers: { authorization: token(s.companyId), 'content-type': 'application/json' },
    body: JSON.stringify({ ...createStreamBody(s, 'active'), description: `${s.description} ${LOAD_MARK}` }),
  }));
  const health: LoadRequest[] = [{ method: 'GET', path: '/health/live', headers: {} }];

  const rates = [...new Set([...cfg.getRates, ...cfg.postRates])].sort((a, b) => a - b);
  const results: LoadResult[][] = [];
  let removedStreams = 0;
  const backlogs: number[] = [];
  const notes: string[] = [];
  for (let r = 0; r < cfg.repeat; r++) {
    const quiet = await quiesce(services);
    if (quiet.stillBusy.length)
      notes.push(`Repeat ${r + 1} started while busy: ${quiet.stillBusy.join(', ')}.`);
    // Each figure right after its baseline at the same rate; the POSTs last (they leave the worker busy).
    const pair = (kind: 'get' | 'post', rate: number, requests: LoadRequest[]): LoadRun[] => [
      { label: `health-${kind}@${rate}`, rate, seconds: cfg.loadSeconds, requests: health },
      { label: `${kind}@${rate}`, rate, seconds: cfg.loadSeconds, requests },
    ];
    const runs: LoadRun[] = [
      { label: 'warmup', rate: Math.min(...rates), seconds: 2, requests: gets },
      ...cfg.getRates.flatMap((rate) => pair('get', rate, gets)),
      ...cfg.postRates.flatMap((rate) => pair('post', rate, posts)),
    ];
    results.push(await runJob(ctx, { url: services.apiUrl, connections: cfg.loadConnections, runs }));
    const backlog = await services
      .queue(QueueName.Matching)
      .getJobCounts('waiting', 'delayed', 'prioritized');
    removedStreams += await cleanUp(ctx, services);
    backlogs.push(Object.values(backlog).reduce((a, b) => a + b, 0));
    ctx.log(
      `api load repeat ${r + 1}: ` +
        results[r]
          .filter((x) => x.label !== 'warmup')
          .map((x) => `${x.label} p50 ${fmt(x.p50)} p99 ${fmt(x.p99)} ms (${fmt(x.achievedRate)}/s)`)
          .join(', '),
    );
  }
  await quiesce(services);

  const pick = (label: string, key: 'p50' | 'p99') =>
    results.map((rs) => rs.find((x) => x.label === label)?.[key] ?? NaN);
  const figures: Figure[] = [];
  const problems: string[] = [];
  const add = (kind: 'get' | 'post', rate: number) => {
    const name = kind === 'get' ? 'GET /streams/:id/matches' : 'POST /streams';
    for (const key of ['p50', 'p99'] as const) {
      figures.push({
        name: `${name} ${key} at ${rate} req/s`,
        unit: 'ms',
        values: pick(`${kind}@${rate}`, key),
        baseline: {
          name: `GET /health/live ${key} at ${rate} req/s`,
          values: pick(`health-${kind}@${rate}`, key),
        },
        ratio: 'growth',
      });
    }
    const runs = results
      .map((rs) => rs.find((y) => y.label === `${kind}@${rate}`))
      .filter((x) => x !== undefined);
    if (runs.some((x) => x.non2xx > 0 || x.errors > 0 || x.achievedRate < rate * 0.9)) {
      const sum = (k: 'non2xx' | 'errors' | 'timeouts') => runs.reduce((a, x) => a + x[k], 0);
      problems.push(
        `${name} at ${rate} req/s achieved ${runs.map((x) => fmt(x.achievedRate)).join(', ')} req/s ` +
          `(${sum('non2xx')} non-2xx, ${sum('errors')} errors, ${sum('timeouts')} timeouts): the API did not keep ` +
          `up with this rate, requests queued, and the percentiles include the queueing`,
      );
    }
  };
  cfg.getRates.forEach((rate) => add('get', rate));
  cfg.postRates.forEach((rate) => add('post', rate));
  const pinned = cfg.pin && cpus().length >= 2;
  return {
    id: 5,
    title: 'API under a fixed request rate',
    status: 'ran',
    figures,
    notes: [
      `bench/load/load-runner.ts: open-loop load, request i due at i / rate seconds (evenly spaced, whatever ` +
        `the responses do) on a pool of up to ${cfg.loadConnections} keep-alive connections, each latency from ` +
        `when the request was due to the end of its response (waiting for a free connection counts; no ` +
        `coordinated omission). Earlier runs used autocannon's \`overallRate\`, which sends each second's ` +
        `requests together at the start of the second (each connection spends its share of the second's ` +
        `budget at once), so those figures were the time to drain a burst — ${cfg.loadSeconds} s per rate after a 2 s warm-up, each figure measured right after its baseline at the same rate, ` +
        (pinned
          ? 'the load generator in its own process pinned to core 1 (`taskset -c 1`) and the API pinned to core 0 (`taskset -c 0`). '
          : 'not pinned. ') +
        `The worker (which matches every POSTed stream), Postgres and Redis are not pinned and share the cores. ` +
        `GET reads the first page (20) of ${gets.length} streams' matches as each stream's officer; POST lists ` +
        `one of ${posts.length} generated streams (active, so each one is matched by the worker while the load ` +
        `runs) as its company's officer. The API logs every request at info level (as deployed); /health/live ` +
        `is neither authenticated nor logged, so the ratio is what auth, validation, the database and logging add.`,
      `After each repeat the matching jobs still waiting (${backlogs.join(', ')} per repeat` +
        (backlogs.some((b) => b > 0)
          ? `: the worker matches each POSTed stream against the region and did not keep up with these rates`
          : `: no POSTed stream's job was left waiting when the load ended`) +
        `) were dropped and the ${removedStreams} streams POSTed under load deleted, so every repeat starts ` +
        `from the same region.`,
      ...(problems.length ? [`Not every request succeeded or kept pace: ${problems.join('; ')}.`] : []),
      ...notes,
    ],
  };
}
