/**
 * Scenario 2: one new stream against the region's active streams, through the real API and worker at
 * idle. An officer POSTs /api/v1/streams; the bench waits for the stream's matches to be readable, then
 * reads the worker's own MatchingService.matchStream result from the finished BullMQ job (computeMs).
 * One sample at a time, the queue idle between samples. Readable is taken two ways, on alternate pairs
 * of samples (see READABLE_BY): the headline asks Postgres every 2 ms whether the job has committed,
 * then GETs the matches once; the other polls GET /streams/:id/matches every 2 ms, the method up to
 * session 27, whose API requests and their Postgres work share the two cores with the job they time.
 */
import { loadConfig, QueueName } from '@symbiose/core';
import {
  createDataSource,
  MatchingService,
  MatchStateCache,
  scoreAgainst,
  toMatchable,
  STREAM_COLUMNS,
  type MatchableStream,
  type StreamRow,
} from '@symbiose/domain';
import { Job } from 'bullmq';
import type { BenchContext } from '../context';
import { requireServices } from '../context';
import { quiesce } from '../quiesce';
import { Draw, seededRandom } from '../random';
import {
  createStreamBody,
  drawStream,
  toMatchableStream,
  zoneOf,
  type GeneratedStream,
} from '../region.generator';
import type { Figure, ScenarioResult } from '../report';
import { fmt, percentile, sleep } from '../stats';

interface Sample {
  body: Record<string, unknown>;
  draft: Record<string, unknown>;
  companyId: string;
  stream: MatchableStream;
}

/**
 * How a sample's POST-to-matches-readable is taken:
 * - `commit`: every 2 ms a query of the stream's matched_version from the bench process (a primary-key
 *   read, about a tenth of a GET's work), then GET /streams/:id/matches?pageSize=1 once it is matched; the
 *   time is when that GET returns its items. The job sets matched_version in the transaction that makes
 *   the matches readable, so this is the first GET a client told of the commit would make.
 * - `api`: GET /streams/:id/matches?pageSize=1 every 2 ms until an item appears.
 */
type ReadableBy = 'commit' | 'api';

/** New streams at random sites of the region, each with at least one qualifying counterpart. */
function drawSamples(ctx: BenchContext, count: number): Sample[] {
  const d = new Draw(seededRandom(ctx.cfg.seed ^ 0x5eed));
  const byKey = new Map<string, MatchableStream[]>();
  for (const s of ctx.streams) {
    if (s.status !== 'active') continue;
    const key = `${s.category}/${s.direction}`;
    const list = byKey.get(key) ?? [];
    list.push(s);
    byKey.set(key, list);
  }
  const out: Sample[] = [];
  for (let attempt = 0; out.length < count && attempt < count * 50; attempt++) {
    const site = d.pick(ctx.region.sites);
    const direction = out.length % 2 === 0 ? 'supply' : 'demand';
    const g: GeneratedStream = drawStream(d, `new-${attempt}`, site, zoneOf(site), { direction });
    const stream = toMatchableStream(g);
    const opposite = byKey.get(`${g.category}/${direction === 'supply' ? 'demand' : 'supply'}`) ?? [];
    if (scoreAgainst(stream, opposite).length === 0) continue;
    out.push({
      body: createStreamBody(g, 'active'),
      draft: createStreamBody(g, 'draft'),
      companyId: g.companyId,
      stream,
    });
  }
  return out;
}

/** What MatchingService.matchStream returns (the job's return value). */
interface JobResult {
  computeMs: number;
  computeCpuMs: number;
  lookupMs: number;
  syncMs: number;
  readMs: number;
  writeMs: number;
  totalMs: number;
  candidates: number;
  pairs: number;
  skipped: number;
  kept: number;
  recomputedCounterparts: number;
  deferred: number;
  afterCommitMs: number;
}

async function jobResult(
  queue: ReturnType<ReturnType<typeof requireServices>['services']['queue']>,
  streamId: string,
) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const job = await Job.fromId(queue, `match-stream_${streamId}_v1`);
    if (job?.finishedOn) {
      if (job.failedReason) throw new Error(`match-stream job failed: ${job.failedReason}`);
      return {
        ...(job.returnvalue as JobResult),
        queuedAt: job.timestamp,
        processedAt: job.processedOn ?? NaN,
        finishedAt: job.finishedOn,
      };
    }
    await sleep(10);
  }
  throw new Error(`match-stream job for ${streamId} did not finish in 60 s`);
}

export async function incrementalScenario(
  ctx: BenchContext,
  options: { label: string; headline: boolean; samples: number; computeSamples: number; store: string },
): Promise<ScenarioResult> {
  const { cfg } = ctx;
  const { services, minter } = requireServices(ctx);
  // Twice the samples: pairs of them (a supply and a demand) alternate between the two ways (ReadableBy).
  // Then the compute-only samples (the draw is deterministic, so the readable samples are the same
  // whatever their number).
  const readableCount = 2 * options.samples * cfg.repeat;
  const drawn = drawSamples(ctx, readableCount + options.computeSamples * cfg.repeat);
  const samples = drawn.slice(0, readableCount);
  const computeDraws = drawn.slice(readableCount);
  if (samples.length === 0) throw new Error('no new stream with a qualifying counterpart could be drawn');
  const tokens = new Map<string, string>();
  for (const s of drawn) {
    const officer = ctx.officers.get(s.companyId);
    if (!officer) throw new Error(`no officer for company ${s.companyId}`);
    tokens.set(s.companyId, minter.tokenFor(officer));
  }
  const matchingQueue = services.queue(QueueName.Matching);
  const counts = (
    await ctx.db.query<{ direction: string; n: number }>(
      `SELECT direction, count(*)::int AS n FROM streams WHERE status = 'active' GROUP BY direction`,
    )
  ).rows;
  const active = (direction: string) => counts.find((c) => c.direction === direction)?.n ?? 0;
  const hasState = (await ctx.db.query(`SELECT to_regclass('stream_match_state') AS t`)).rows[0].t !== null;
  const candidateTable = hasState ? 'stream_match_state' : 'streams';

  const post = async (sample: Sample, body: Record<string, unknown>) => {
    const res = await fetch(`${services.apiUrl}/api/v1/streams`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.get(sample.companyId)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 201) throw new Error(`POST /streams: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as { id: string };
  };

  // For the breakdown of computeMs: the product's own candidate query, run from this process.
  const ds = createDataSource({ DATABASE_URL: cfg.databaseUrl });
  await ds.initialize();
  const matcher = new MatchingService(
    ds,
    loadConfig({ DATABASE_URL: cfg.databaseUrl, MATCH_TOP_K: String(cfg.matchTopK) }),
    new MatchStateCache(),
  );
  // The API process has served no POST /streams and no GET of a stream's matches since it started: its
  // first of each compiles the route's code (a probe: 103-119 ms for the first draft POST, 12-26 ms for
  // the next). A running API has served both long before, so one of each warms them up, unmeasured, and
  // their times go into the notes.
  const warmUp = { post: 0, get: 0 };
  {
    const w0 = performance.now();
    const { id } = await post(samples[0], samples[0].draft);
    warmUp.post = performance.now() - w0;
    const g0 = performance.now();
    const res = await fetch(`${services.apiUrl}/api/v1/streams/${id}/matches?pageSize=1`, {
      headers: { authorization: `Bearer ${tokens.get(samples[0].companyId)}` },
    });
    await res.text();
    if (res.status !== 200) throw new Error(`warm-up GET /streams/:id/matches: ${res.status}`);
    warmUp.get = performance.now() - g0;
  }
  const quiet = await quiesce(services);
  let removed = quiet.removedAllocations;
  const perRepeat: {
    compute: number[];
    readable: number[];
    readableByApi: number[];
    computeByApi: number[];
    totalByApi: number[];
    draft: number[];
    naive: number[];
    load: number[];
    score: number[];
    candidates: number[];
    jobs: JobResult[];
    computeOnly: number[];
  }[] = [];
  let i = 0;
  for (let r = 0; r < cfg.repeat; r++) {
    const rep = {
      compute: [] as number[],
      readable: [] as number[],
      readableByApi: [] as number[],
      computeByApi: [] as number[],
      totalByApi: [] as number[],
      draft: [] as number[],
      naive: [] as number[],
      load: [] as number[],
      score: [] as number[],
      candidates: [] as number[],
      jobs: [] as JobResult[],
      computeOnly: [] as number[],
    };
    for (let j = 0; j < 2 * options.samples && i < samples.length; j++, i++) {
      const sample = samples[i];
      const by: ReadableBy = Math.floor(j / 2) % 2 === 0 ? 'commit' : 'api';
      const token = tokens.get(sample.companyId);
      const t0 = performance.now();
      const postedAt = Date.now();
      const { id } = await post(sample, sample.body);
      let polls = 0;
      let dbPolls = 0;
      const late = () => {
        if (performance.now() - t0 > 60_000) throw new Error(`no matches readable for ${id} after 60 s`);
      };
      if (by === 'commit') {
        for (;;) {
          dbPolls++;
          const { rows } = await ctx.db.query<{ matched: boolean }>(
            `SELECT matched_version >= version AS matched FROM streams WHERE id = $1`,
            [id],
          );
          if (rows[0]?.matched) break;
          late();
          await sleep(cfg.readablePollMs);
        }
      }
      // By `api` from the start; by `commit` once matched, where the first GET has the items.
      for (;;) {
        polls++;
        const res = await fetch(`${services.apiUrl}/api/v1/streams/${id}/matches?pageSize=1`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const body = (await res.json()) as { items?: unknown[] };
        if (res.status === 200 && body.items && body.items.length > 0) break;
        late();
        await sleep(cfg.readablePollMs);
      }
      const readable = performance.now() - t0;
      const readableAt = Date.now();
      const job = await jobResult(matchingQueue, id);
      if (by === 'commit') {
        rep.readable.push(readable);
        rep.jobs.push(job);
        rep.compute.push(job.computeMs);
      } else {
        rep.readableByApi.push(readable);
        rep.computeByApi.push(job.computeMs);
        rep.totalByApi.push(job.totalMs);
      }
      ctx.log(
        `  sample ${i + 1} (${sample.stream.category} ${sample.stream.direction}, readable by ${by}): readable ${fmt(readable)} ms, job total ${fmt(job.totalMs)} ms ` +
          `(compute ${fmt(job.computeMs)} (CPU ${fmt(job.computeCpuMs)}), sync ${fmt(job.syncMs)}, read ${fmt(job.readMs)}, write ${fmt(job.writeMs)}; after commit ${fmt(job.afterCommitMs)}: ${job.deferred} deferred rows and floors), ` +
          `${job.candidates} candidates (${job.skipped} not scored: ceiling below both lists' K-th best or temperatures rejected), ${job.pairs} pairs that may enter a list, ${job.kept} kept, ${job.recomputedCounterparts} recomputed; ` +
          `from the POST: queued +${job.queuedAt - postedAt}, picked up +${job.processedAt - postedAt}, ` +
          `finished +${job.finishedAt - postedAt}, readable +${readableAt - postedAt} ms (${polls} GETs${by === 'commit' ? `, ${dbPolls} matched_version queries` : ''})`,
      );
      // Idle for the next sample: the allocation this write requested (5 s on) must not run in between.
      const q = await quiesce(services, 30_000);
      removed += q.removedAllocations;
      // Baselines, the queue idle again: a draft POST (no matching), and naive per-stream matching
      // (every active opposite stream of the category fetched without the spatial prune, then scored).
      const d0 = performance.now();
      await post(sample, sample.draft);
      rep.draft.push(performance.now() - d0);
      const n0 = performance.now();
      const rows = (
        await ctx.db.query<StreamRow>(
          `SELECT ${STREAM_COLUMNS} FROM ${candidateTable} WHERE category = $1 AND direction = $2 AND status = 'active' AND company_id <> $3`,
          [
            sample.stream.category,
            sample.stream.direction === 'supply' ? 'demand' : 'supply',
            sample.companyId,
          ],
        )
      ).rows;
      scoreAgainst(sample.stream, rows.map(toMatchable));
      rep.naive.push(performance.now() - n0);
      // Breakdown: the product's candidate query (index box, rows mapped) and the scoring of those rows.
      const l0 = performance.now();
      const candidates = await matcher.loadCandidates(ds, sample.stream);
      const l1 = performance.now();
      scoreAgainst(sample.stream, candidates);
      rep.score.push(performance.now() - l1);
      rep.load.push(l1 - l0);
      rep.candidates.push(candidates.length);
    }
    perRepeat.push(rep);
    ctx.log(
      `incremental repeat ${r + 1}: compute p99 ${fmt(percentile(rep.compute, 99))} ms, readable p95 ${fmt(percentile(rep.readable, 95))} ms; ` +
        `polling the API: compute p99 ${fmt(percentile(rep.computeByApi, 99))} ms, readable p95 ${fmt(percentile(rep.readableByApi, 95))} ms`,
    );
  }
  // Compute-only samples, a batch per repeat once every readable sample is taken (so that they do not
  // change what those measure): a p99 needs many more jobs than the readable samples give (the p99 of 12
  // is their slowest). Same idle, no reads of the matches while the job runs, nothing else timed.
  for (let r = 0, c = 0; r < perRepeat.length && options.computeSamples > 0; r++) {
    const rep = perRepeat[r];
    for (let j = 0; j < options.computeSamples && c < computeDraws.length; j++, c++) {
      const sample = computeDraws[c];
      const { id } = await post(sample, sample.body);
      const job = await jobResult(matchingQueue, id);
      rep.computeOnly.push(job.computeMs);
      if (job.computeMs > 4) {
        ctx.log(
          `  compute-only sample ${c + 1} (${sample.stream.category} ${sample.stream.direction}): compute ${fmt(job.computeMs)} ` +
            `(CPU ${fmt(job.computeCpuMs)}, lookup ${fmt(job.lookupMs)}), ${job.candidates} candidates (${job.skipped} not scored), ` +
            `${job.pairs} pairs, ${job.recomputedCounterparts} recomputed`,
        );
      }
      const q = await quiesce(services, 30_000);
      removed += q.removedAllocations;
    }
    ctx.log(
      `incremental repeat ${r + 1}, with its compute-only batch: compute p99 ${fmt(percentile([...rep.compute, ...rep.computeOnly], 99))} ms ` +
        `over ${rep.compute.length + rep.computeOnly.length} jobs`,
    );
  }
  const after = await quiesce(services);
  await ds.destroy();
  const all = perRepeat.flatMap((r) => r.jobs);
  const of = (pick: (r: (typeof perRepeat)[number]) => number[], p: number) =>
    perRepeat.map((r) => percentile(pick(r), p));
  const p99compute = of((r) => [...r.compute, ...r.computeOnly], 99);
  const computeJobs = perRepeat.map((r) => r.compute.length + r.computeOnly.length);
  const p95readable = of((r) => r.readable, 95);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const named = (name: string) => `${name} — ${options.label}`;
  const figures: Figure[] = [
    {
      name: named(
        `worker compute p99 (matchStream computeMs) over ${Math.min(...computeJobs)}${Math.max(...computeJobs) !== Math.min(...computeJobs) ? `–${Math.max(...computeJobs)}` : ''} jobs per repeat`,
      ),
      unit: 'ms',
      values: p99compute,
      baseline: {
        name: 'naive per-stream match p99 (all opposite streams of the category, no spatial prune)',
        values: of((r) => r.naive, 99),
      },
      ratio: 'faster',
      target: options.headline ? { text: 'p99 ≤ 5 ms', met: median(p99compute) <= 5 } : undefined,
    },
    {
      name: named(
        `worker compute p99 of the ${Math.min(...perRepeat.map((r) => r.compute.length))} readable samples alone (their slowest; the headline up to session 29)`,
      ),
      unit: 'ms',
      values: of((r) => r.compute, 99),
    },
    {
      name: named('worker compute p50'),
      unit: 'ms',
      values: of((r) => [...r.compute, ...r.computeOnly], 50),
      baseline: { name: 'naive p50', values: of((r) => r.naive, 50) },
      ratio: 'faster',
    },
    {
      name: named('POST-to-matches-readable p95'),
      unit: 'ms',
      values: p95readable,
      baseline: {
        name: 'POST of the same stream as a draft (no matching), p95',
        values: of((r) => r.draft, 95),
      },
      ratio: 'growth',
      target: options.headline
        ? { text: 'p95 ≤ 100 ms at idle', met: median(p95readable) <= 100 }
        : undefined,
    },
    {
      name: named('POST-to-matches-readable p50'),
      unit: 'ms',
      values: of((r) => r.readable, 50),
      baseline: { name: 'draft POST p50', values: of((r) => r.draft, 50) },
      ratio: 'growth',
    },
    {
      name: named(
        'POST-to-matches-readable p95, the client polling GET /streams/:id/matches every 2 ms (up to session 27)',
      ),
      unit: 'ms',
      values: of((r) => r.readableByApi, 95),
    },
    {
      name: named('worker compute p99 of those samples'),
      unit: 'ms',
      values: of((r) => r.computeByApi, 99),
    },
    {
      name: named('breakdown p50: candidate lookup in the worker’s in-memory state (lookupMs)'),
      unit: 'ms',
      values: of((r) => r.jobs.map((j) => j.lookupMs), 50),
      baseline: {
        name: 'the same candidates from Postgres (MatchingService.loadCandidates: lat/lon box on the index, rows mapped), from the bench process',
        values: of((r) => r.load, 50),
      },
      ratio: 'faster',
    },
    {
      name: named(
        'breakdown p50: scoring every one of those candidates (scoreAgainst, without the ceiling skip; bench process)',
      ),
      unit: 'ms',
      values: of((r) => r.score, 50),
    },
    {
      name: named('breakdown p95: catching the in-memory state up (syncMs, outside computeMs)'),
      unit: 'ms',
      values: of((r) => r.jobs.map((j) => j.syncMs), 95),
    },
    {
      name: named(
        'breakdown p95: reading the stored matches the decision needs (readMs: own pairs, counterparts’ K-th best, push-outs)',
      ),
      unit: 'ms',
      values: of((r) => r.jobs.map((j) => j.readMs), 95),
    },
    {
      name: named(
        'breakdown p95: writing the result before the commit that makes it readable (writeMs: upsert with its queued notifications, expiries, deletions, forgotten floors; past MATCH_DEFER_AFTER rows only the stream’s own top K and rows, the rest queued for right after)',
      ),
      unit: 'ms',
      values: of((r) => r.jobs.map((j) => j.writeMs), 95),
    },
    {
      name: named('breakdown p95: the whole job before commit (totalMs)'),
      unit: 'ms',
      values: of((r) => r.jobs.map((j) => j.totalMs), 95),
    },
  ];
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  return {
    id: 2,
    title: 'Incremental match latency',
    status: 'ran',
    figures,
    notes: [
      `${cfg.repeat} × ${options.samples} new streams (alternately supply and demand, category by the ` +
        `zone's mix) POSTed one at a time as the officer of a company of the region, at a random site of ` +
        `that company, against the region's ${active('demand').toLocaleString('en-US')} active demands (for a new ` +
        `supply) or ${active('supply').toLocaleString('en-US')} active supplies (for a new demand). Every sample was checked beforehand to have at least one qualifying ` +
        `counterpart. ${options.store} Per sample the ` +
        `matcher left ${fmt(avg(all.map((j) => j.skipped)))} candidates unscored on average (their score ceiling ` +
        `could reach neither the new stream's K-th best so far nor the counterpart's stored K-th best, or — heat — ` +
        `the engine rejects the pair for its temperatures), handed on ` +
        `${fmt(avg(all.map((j) => j.pairs)))} qualifying pairs that can enter a list on average (max ` +
        `${Math.max(...all.map((j) => j.pairs)).toLocaleString('en-US')}), kept ${fmt(avg(all.map((j) => j.kept)))} ` +
        `and recomputed ${fmt(avg(all.map((j) => j.recomputedCounterparts)))} counterparts; ` +
        `${all.filter((j) => j.deferred > 0).length} of ${all.length} samples had more than MATCH_DEFER_AFTER ` +
        `(${matcher.deferAfter}) rows to write outside the new stream's own top K (up to ${Math.max(0, ...all.map((j) => j.deferred))}), ` +
        `so they committed that top K first and applied the rest right after, in a second transaction.`,
      `Candidates inside the new stream's reach box (other companies, opposite direction, same category, ` +
        `compatible material type or water quality): ${fmt(avg(all.map((j) => j.candidates)))} on average, up to ` +
        `${Math.max(...all.map((j) => j.candidates)).toLocaleString('en-US')}. The breakdown rows come from the ` +
        `job's own timings, except the scoring row and the Postgres candidate query (the product's ` +
        `loadCandidates, what the worker ran before it kept the state in memory), which the bench process runs ` +
        `for the same samples after each job; that query returns the whole category inside the box ` +
        `(${fmt(avg(perRepeat.flatMap((r) => r.candidates)))} rows on average).`,
      `Percentiles are per repeat (${options.samples} samples each), then min / median / max over repeats. ` +
        `The compute percentiles also take ${options.computeSamples} compute-only samples per repeat: new streams drawn ` +
        `the same way, POSTed one at a time once every repeat's readable samples are taken, each job's result read from the queue once it ` +
        `finished and the queue idle again before the next, nothing else timed (with ${options.samples} samples a p99 is ` +
        `their slowest; up to session 29 the compute p99 was taken over the readable samples alone, the row beside it). ` +
        `computeMs is what MatchingService.matchStream returns: finding the candidates in the worker's ` +
        `in-memory copy of the processed state (a grid per direction and candidate partition, caught up by ` +
        `sequence number under the matching lock) plus scoring, plus any counterpart recomputation; it ` +
        `excludes catching the state up and every read and write of the matches table (breakdown rows). POST-to-readable is measured by the client, two ways on alternate pairs of ` +
        `samples (a supply and a demand each, ${options.samples} per repeat each way): the headline asks Postgres every ` +
        `${cfg.readablePollMs} ms from the bench process whether the stream is matched (its matched_version, set in the ` +
        `transaction that makes the matches readable: a primary-key read) and then GETs /streams/:id/matches?pageSize=1 ` +
        `once, and the time is when that GET returns its items; the other polls that GET every ${cfg.readablePollMs} ms ` +
        `until an item appears (the method up to session 27). The API request and its Postgres work take several ` +
        `times what the matched_version query takes, and 100–200 of them a second share the two cores with the ` +
        `job being timed: over all repeats the job's median time before its commit (totalMs) was ` +
        `${fmt(median(all.map((j) => j.totalMs)))} ms in the headline samples and ` +
        `${fmt(median(perRepeat.flatMap((r) => r.totalByApi)))} ms in the others, its median compute ` +
        `${fmt(median(all.map((j) => j.computeMs)))} against ${fmt(median(perRepeat.flatMap((r) => r.computeByApi)))} ms; ` +
        `the compute figures come from the headline samples. The naive baseline runs in the bench process against the same ` +
        `Postgres (${candidateTable}). Warm-up: before the first sample, one draft POST /streams and one GET ` +
        `/streams/:id/matches, not measured, compile the API process's code for the two routes, which it had ` +
        `not served since it started (they took ${fmt(warmUp.post)} and ${fmt(warmUp.get)} ms); up to session 28 ` +
        `the first sample did that. Idle: the queue is empty before each sample, and the allocate-region job ` +
        `each sample's matching write requests (5 s later) was removed from the bench queue before the next ` +
        `one (${removed + after.removedAllocations} removed): the region-wide solve runs in the same worker ` +
        `process and would otherwise hold up the next sample (see scenario 7 and the notes below)` +
        (quiet.stillBusy.length ? `; still busy at start: ${quiet.stillBusy.join(', ')}` : '') +
        '.',
    ],
  };
}
