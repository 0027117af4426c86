/**
 * `npm run bench`: every scenario, written to BENCHMARKS.md (BENCH_OUTPUT). Settings: bench/config.ts.
 *
 * Order: the pure scenarios first (engine kernel, allocation) while nothing else runs in this process;
 * then the API and worker start on the benchmarks' own database and queue prefix; the full re-match
 * runs at each ladder size (its real store then serves the incremental scenario at that size), then at
 * the headline size (given up after BENCH_REMATCH_TIMEOUT_S), then the incremental, load and report
 * scenarios on the headline region.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import {
  connect,
  createUsers,
  recreateDatabase,
  resetDatabase,
  TokenMinter,
  type BenchUser,
} from './bench-db';
import { BenchConfig, loadBenchConfig, REPO_ROOT, type ScenarioKey } from './config';
import type { BenchContext } from './context';
import { scoreFromScratch, type MatchableStream, type StoredMatchResult } from '@symbiose/domain';
import { countCandidates, qualifyingPairsSample } from './candidates';
import { loadAverage, machineInfo } from './machine';
import { quiesce } from './quiesce';
import {
  generateRegion,
  INDUSTRIAL_ZONES,
  regionMix,
  toMatchableStream,
  type Region,
} from './region.generator';
import { loadRegion } from './region.loader';
import { renderMarkdown, type BenchRun, type Figure, type ScenarioResult } from './report';
import { allocationScenario } from './scenarios/allocation';
import { apiLoadScenario } from './scenarios/api-load';
import { incrementalScenario } from './scenarios/incremental';
import { kernelScenario } from './scenarios/kernel';
import { clearMatches, persistScenario } from './scenarios/persist';
import { naiveSeries, rematchFigures, runFullRematch, type RematchSeries } from './scenarios/rematch';
import { reportsScenario } from './scenarios/reports';
import { logMessages, startServices } from './services';
import { fmt } from './stats';

const TITLES: Record<number, string> = {
  1: 'Engine scoring kernel',
  2: 'Incremental match latency',
  3: 'Full re-match incl. all writes',
  4: 'Persisting match rows',
  5: 'API under a fixed request rate',
  6: 'Savings report at 5M deliveries',
  7: 'Allocation plan (LP) at 100k pairs',
  8: 'Worker and API memory during the full re-match',
};

async function guarded(
  id: number,
  log: (m: string) => void,
  fn: () => Promise<ScenarioResult>,
): Promise<ScenarioResult> {
  const started = performance.now();
  log(`scenario ${id}: ${TITLES[id]}`);
  try {
    const result = await fn();
    result.seconds = (performance.now() - started) / 1000;
    return result;
  } catch (err) {
    log(`scenario ${id} failed: ${(err as Error).stack ?? String(err)}`);
    return {
      id,
      title: TITLES[id],
      status: 'failed',
      reason: (err as Error).message.split('\n')[0].slice(0, 500),
      figures: [],
      notes: [],
      seconds: (performance.now() - started) / 1000,
    };
  }
}

/**
 * The product's full matcher on `streams` in this process, compute only and on one core like the naive
 * baseline: scoreFromScratch, as each of the worker's scoring threads runs it on its categories (the
 * kept pairs left in its pair store, nothing encoded or written). Seconds per repeat; `last` gets the
 * last repeat's result.
 */
async function computeOnly(
  repeat: number,
  streams: readonly MatchableStream[],
  k: number,
  last: (result: StoredMatchResult) => void,
): Promise<number[]> {
  const seconds: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    const result = await scoreFromScratch(streams, k);
    seconds.push((performance.now() - t0) / 1000);
    if (r === repeat - 1) last(result);
  }
  return seconds;
}

/** Copies the streams into the matcher's processed state, when the schema has one (as a full re-match does). */
async function snapshotMatcherState(ctx: BenchContext): Promise<void> {
  const { rows } = await ctx.db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = 'stream_match_state'
       AND column_name IN (SELECT column_name FROM information_schema.columns
                           WHERE table_schema = 'public' AND table_name = 'streams')`,
  );
  if (rows.length === 0) return;
  const cols = rows.map((r) => r.column_name).join(', ');
  await ctx.db.query(
    `INSERT INTO stream_match_state (${cols}) SELECT ${cols} FROM streams ON CONFLICT (id) DO NOTHING`,
  );
  await ctx.db.query('ANALYZE stream_match_state');
}

async function loadInto(
  ctx: BenchContext,
  region: Region,
): Promise<{ ms: number; officers: Map<string, BenchUser> }> {
  await resetDatabase(ctx.db);
  const loaded = await loadRegion(ctx.db, region);
  const { coordinator, officers } = await createUsers(
    ctx.db,
    ctx.cfg.seed,
    region.companies.map((c) => c.id),
  );
  // As autovacuum would have by then: the planner must know the tables' sizes (see scenario 4's notes).
  await ctx.db.query('ANALYZE users');
  ctx.coordinator = coordinator;
  ctx.officers = officers;
  ctx.log(
    `loaded ${loaded.streams.toLocaleString('en-US')} streams, ${loaded.sites} sites, ${loaded.companies} companies in ${fmt(loaded.ms / 1000)} s`,
  );
  return { ms: loaded.ms, officers };
}

function describeRegion(region: Region, loadMs: number | null): string[] {
  const mix = regionMix(region);
  const cats = ['heat', 'material', 'co2', 'water', 'hydrogen'].map(
    (c) =>
      `${c} ${(mix[`${c}/supply`] ?? 0).toLocaleString('en-US')} supplies + ${(mix[`${c}/demand`] ?? 0).toLocaleString('en-US')} demands`,
  );
  return [
    `${region.streams.length.toLocaleString('en-US')} active streams at ${region.sites.length.toLocaleString('en-US')} ` +
      `sites of ${region.companies.length.toLocaleString('en-US')} companies around ${INDUSTRIAL_ZONES.length} industrial ` +
      `zones of Belgium and the Netherlands (${INDUSTRIAL_ZONES.map((z) => z.name).join(', ')})`,
    cats.join(', '),
    `seed ${region.seed}, generated by bench/region.generator.ts` +
      (loadMs !== null
        ? `, loaded with set-based unnest batches in ${fmt(loadMs / 1000)} s (plus one officer per company)`
        : ''),
  ];
}

export async function runBench(cfg: BenchConfig): Promise<BenchRun> {
  const startedAt = new Date();
  const log = (m: string) => {
    if (cfg.verbose) console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);
  };
  const want = (k: ScenarioKey) => cfg.scenarios.has(k);
  await recreateDatabase(cfg.databaseUrl);
  const db = await connect(cfg.databaseUrl);
  const machine = await machineInfo(cfg.databaseUrl, cfg.redisUrl);
  log(`generating a region of ${cfg.streams} streams`);
  const region = generateRegion({ streams: cfg.streams, seed: cfg.seed });
  const ctx: BenchContext = {
    cfg,
    region,
    streams: region.streams.map((s) => toMatchableStream(s)),
    db,
    services: null,
    minter: null,
    coordinator: null,
    officers: new Map(),
    log,
    shared: new Map(),
  };
  const results = new Map<number, ScenarioResult>();
  let loadMs: number | null = null;
  const extraNotes = new Map<number, string[]>();
  const note = (id: number, text: string) => extraNotes.set(id, [...(extraNotes.get(id) ?? []), text]);

  try {
    if (want('kernel')) results.set(1, await guarded(1, log, () => kernelScenario(ctx)));
    if (want('allocation')) results.set(7, await guarded(7, log, () => allocationScenario(ctx)));

    const needsServices = ['incremental', 'rematch', 'persist', 'api-load', 'memory'].some((k) =>
      want(k as ScenarioKey),
    );
    if (needsServices) {
      await resetDatabase(db);
      log(`starting the API and the worker (${cfg.services})`);
      ctx.services = await startServices(cfg);
      ctx.minter = new TokenMinter(ctx.services.jwtSecret);
      const services = ctx.services;
      const series: RematchSeries[] = [];
      let ladderIncremental: ScenarioResult | null = null;

      // Ladder: full re-matches that finish, to show how the cost grows with the region.
      if (want('rematch') || want('memory')) {
        for (const size of cfg.rematchLadder.filter((s) => s < cfg.streams)) {
          const small = generateRegion({ streams: size, seed: cfg.seed });
          await loadInto(ctx, small);
          const smallStreams = small.streams.map((s) => toMatchableStream(s));
          const s: RematchSeries = { size, runs: [], naive: [] };
          for (let r = 0; r < cfg.ladderRepeat; r++) {
            await quiesce(services);
            await clearMatches(db);
            const run = await runFullRematch(ctx, size, Math.max(cfg.rematchTimeoutS, 600));
            s.runs.push(run);
            log(
              `full re-match of ${size}: ${run.finished ? `${fmt(run.wallS)} s, ${run.rowsWritten} rows` : run.error}`,
            );
            if (!run.finished) break;
          }
          // The baselines run in this process: first the run's aftermath (its notifications digest, the
          // region-wide allocation it requests 5 s after its commit) is let finish or dropped.
          await quiesce(services);
          s.naive = naiveSeries(ctx, smallStreams);
          // The product's matcher on the same streams in this process: compute only, like the baseline.
          s.computeS = await computeOnly(cfg.repeat, smallStreams, cfg.matchTopK, (result) => {
            s.candidatePairs = {
              inReach: countCandidates(smallStreams).candidates,
              scored: result.scored,
              allPairs: s.naive[0]?.totalPairs ?? NaN,
              qualifying: result.qualifying,
              kept: result.kept.length,
            };
          });
          series.push(s);
          const last = size === Math.max(...cfg.rematchLadder.filter((x) => x < cfg.streams));
          if (last && want('incremental') && s.runs.every((r) => r.finished)) {
            // As autovacuum would have by then: the store was just written in one transaction.
            await db.query('VACUUM ANALYZE matches');
            await db.query('VACUUM ANALYZE notifications').catch(() => undefined);
            await db.query('CHECKPOINT');
            const saved = { region: ctx.region, streams: ctx.streams };
            ctx.region = small;
            ctx.streams = smallStreams;
            ladderIncremental = await guarded(2, log, () =>
              incrementalScenario(ctx, {
                label: `${size.toLocaleString('en-US')} streams, store from a full re-match`,
                headline: false,
                samples: cfg.ladderIncrementalSamples,
                computeSamples: 0,
                store:
                  "The store holds the region's matches as the product's full re-match left them (then VACUUM ANALYZE and a CHECKPOINT, as a live system would have done by then).",
              }),
            );
            Object.assign(ctx, saved);
          }
        }
      }

      // The headline region.
      loadMs = (await loadInto(ctx, region)).ms;

      if (want('persist')) {
        const pairs = qualifyingPairsSample(ctx.streams, cfg.persistRows);
        results.set(4, await guarded(4, log, () => persistScenario(ctx, pairs)));
      }

      let storeNote = '';
      if (want('rematch') || want('memory')) {
        const s: RematchSeries = { size: cfg.streams, runs: [], naive: [] };
        for (let r = 0; r < cfg.rematchRepeat; r++) {
          const quiet = await quiesce(services);
          if (quiet.stillBusy.length) note(3, `Busy before run ${r + 1}: ${quiet.stillBusy.join(', ')}.`);
          await clearMatches(db);
          // Each run starts with nothing of the scenarios before it left to flush: the persist scenario
          // dirties hundreds of MB, and a checkpoint of them would otherwise run during the re-match.
          await db.query('CHECKPOINT');
          log(`full re-match of ${cfg.streams} (giving up after ${cfg.rematchTimeoutS} s)`);
          const run = await runFullRematch(ctx, cfg.streams, cfg.rematchTimeoutS);
          s.runs.push(run);
          log(
            `full re-match of ${cfg.streams}: ${run.finished ? `${fmt(run.wallS)} s, ${run.rowsWritten} rows` : run.error}`,
          );
          if (!run.finished) break;
        }
        if (s.runs.length > 0 && s.runs.every((r) => r.finished)) {
          // The production case (a new engine or factor set): a re-match over the store the last run left.
          const quiet = await quiesce(services);
          if (quiet.stillBusy.length)
            note(3, `Busy before the run over the store: ${quiet.stillBusy.join(', ')}.`);
          await db.query('CHECKPOINT'); // as before the runs above
          log(`full re-match of ${cfg.streams} over the stored matches`);
          s.overStore = await runFullRematch(ctx, cfg.streams, cfg.rematchTimeoutS);
          log(
            `full re-match over the store: ${s.overStore.finished ? `${fmt(s.overStore.wallS)} s, ${s.overStore.rowsWritten} rows changed` : s.overStore.error}`,
          );
        }
        // As above: no digest or allocation of the run competing with the baseline for the 2 cores.
        const settled = await quiesce(services, 300_000);
        if (settled.stillBusy.length)
          note(3, `Busy during the naive baseline: ${settled.stillBusy.join(', ')}.`);
        s.naive = naiveSeries(ctx, ctx.streams);
        const counted = countCandidates(ctx.streams);
        s.computeS = await computeOnly(cfg.repeat, ctx.streams, cfg.matchTopK, (result) => {
          s.candidatePairs = {
            inReach: counted.candidates,
            allPairs: counted.allPairs,
            scored: result.scored,
            qualifying: result.qualifying,
            kept: result.kept.length,
          };
        });
        log(`product matcher, compute only: ${s.computeS.map((x) => fmt(x)).join(' / ')} s`);
        series.push(s);
        const { figures3, figures8, notes3 } = rematchFigures(ctx, series);
        const headline = s.runs[s.runs.length - 1];
        results.set(3, {
          id: 3,
          title: TITLES[3],
          status: s.runs.every((r) => r.finished) ? 'ran' : 'partial',
          reason: s.runs.every((r) => r.finished)
            ? undefined
            : `the ${cfg.streams.toLocaleString('en-US')}-stream run ${headline.error}`,
          figures: figures3 as Figure[],
          notes: [
            `Each run: POST /api/v1/match-runs as a coordinator on an empty matches table (truncated, then a ` +
              `CHECKPOINT, so that no earlier scenario's writes are flushed during the run; the run over the ` +
              `stored matches also starts after one), the worker runs ` +
              `MatchingService.fullRematch (snapshot of the streams into its in-memory state; then, from ` +
              `20,000 active streams, the categories scored side by side in two worker threads (ScoringPool, ` +
              `largest category first, each to the first thread free; smaller runs score one category at a time ` +
              `on the main thread): a kdbush index per candidate partition and quantity tier — category, material ` +
              `type, water quality — engine scoring, top ${cfg.matchTopK} of either side, the rows encoded for ` +
              `binary COPY in the thread and copied by the main thread into a new matches table (filled on a ` +
              `connection of its own) while the rest is scored; CO2 and hydrogen candidates that would tie with ` +
              `a stream's K-th best from farther away left unscored; then the new table is committed, its ` +
              `indexes built two at a time on two connections, and swapped in by the run's transaction ` +
              `(MatchTableRebuild)), the bench polls the run ` +
              `row every 250 ms; the figure is POST to done. The naive baseline is the same per-pair work (scorePairOf, ` +
              `per-supply top K, per-demand buffers) with every same-category demand as a candidate (no spatial ` +
              `index), in the bench process, on a stratified sample of supplies, scaled by pair count; it leaves ` +
              `out the writes, which favours the baseline. The product matcher's compute-only row runs the ` +
              `worker's scoring (scoreFromScratch, every category) on one core in the bench process after the ` +
              `baseline, nothing encoded or written: the matcher against the naive matcher alone, core for core; ` +
              `the target is on the run with its writes. Sizes below the headline size are the region's first ` +
              `streams (same seed).`,
            ...notes3,
            ...(extraNotes.get(3) ?? []),
          ],
        });
        results.set(8, {
          id: 8,
          title: TITLES[8],
          status: s.runs.every((r) => r.finished) ? 'ran' : 'partial',
          reason: s.runs.every((r) => r.finished)
            ? undefined
            : 'the headline full re-match was aborted; peaks are up to that point (a lower bound)',
          figures: figures8 as Figure[],
          notes: [
            `RSS (VmRSS from /proc/<pid>/status) of the worker and the API processes sampled every 250 ms during ` +
              `each full re-match of scenario 3; the baseline is each process's RSS right before the run. ` +
              services.describe() +
              '. The worker holds every stream (its in-memory processed state) and, in each of its two scoring ' +
              'threads, the spatial index and the kept pairs of the category it scores (a V8 heap of their own ' +
              "in the same process); its main thread's " +
              `V8 heap limit is Node's default (${fmt(getHeapStatistics().heap_size_limit / 2 ** 30)} GiB here).`,
          ],
        });
        if (headline.finished) {
          // As autovacuum would have by then (3.6 million rows inserted): visibility map and statistics.
          await db.query('VACUUM ANALYZE matches');
          await db.query('VACUUM ANALYZE notifications');
          await db.query('VACUUM ANALYZE stream_match_state');
          // Idle also means no checkpoint still flushing the run's gigabytes of WAL and dirty pages
          // (they came every 12 s during the run): the incremental scenario would measure that I/O.
          await db.query('CHECKPOINT');
        } else {
          // The aborted run's rows were rolled back: clear them out as autovacuum eventually would.
          await clearMatches(db);
          await db.query('VACUUM ANALYZE streams');
          storeNote =
            `The headline full re-match did not finish, so the matches table is empty for the scenarios that follow ` +
            `on the ${cfg.streams.toLocaleString('en-US')}-stream region (the matcher's processed state holds every stream).`;
        }
      }

      await snapshotMatcherState(ctx);
      if (want('incremental')) {
        await quiesce(services);
        const main = await guarded(2, log, () =>
          incrementalScenario(ctx, {
            label: `${cfg.streams.toLocaleString('en-US')} streams${storeNote ? ', empty matches store' : ''}`,
            headline: true,
            samples: cfg.incrementalSamples,
            computeSamples: cfg.computeSamples,
            store: storeNote
              ? 'The matches table is empty (see below).'
              : "The store holds the region's matches as the product's full re-match left them (then VACUUM ANALYZE and a CHECKPOINT, as a live system would have done by then).",
          }),
        );
        if (storeNote) {
          main.notes.push(
            storeNote +
              ' For a new stream that leaves computeMs unchanged (loading and scoring its candidates; no counterpart ' +
              'can need a recomputation, since none holds a pair with it), but POST-to-readable then writes every ' +
              'qualifying pair, none being outranked by a stored K-th best' +
              (ladderIncremental?.status === 'ran' ? '; the ladder-size rows below use a real store.' : '.'),
          );
        }
        if (ladderIncremental?.status === 'ran') {
          main.figures.push(...ladderIncremental.figures);
          main.notes.push(...ladderIncremental.notes.map((n) => `At the ladder size: ${n}`));
        }
        results.set(2, main);
      }
      if (want('api-load')) results.set(5, await guarded(5, log, () => apiLoadScenario(ctx)));
      const allocations = ctx.services.worker.logFile
        ? logMessages(ctx.services.worker, 'allocation plan').filter((a) => !/: 0 pairs/.test(a))
        : [];
      if (allocations.length > 0 && results.get(2)) {
        results.get(2)?.notes.push(
          `Region-wide allocations the worker ran during this benchmark run (from its log): ${allocations
            .slice(-4)
            .map((a) => `“${a}”`)
            .join('; ')}.`,
        );
      }
      await ctx.services.stop();
      ctx.services = null;
    }
    if (want('reports')) results.set(6, await guarded(6, log, () => reportsScenario(cfg, log)));
  } finally {
    await ctx.services?.stop().catch((err: unknown) => log(`stopping services: ${String(err)}`));
    await db.end();
  }
  machine.loadAverageEnd = loadAverage();
  const scenarios = [...results.values()].sort((a, b) => a.id - b.id);
  return {
    startedAt,
    finishedAt: new Date(),
    machine,
    settings: {
      BENCH_STREAMS: cfg.streams,
      BENCH_REPEAT: cfg.repeat,
      BENCH_SEED: cfg.seed,
      MATCH_TOP_K: cfg.matchTopK,
      BENCH_REMATCH_LADDER: cfg.rematchLadder.join(',') || 'none',
      BENCH_REMATCH_TIMEOUT_S: cfg.rematchTimeoutS,
      BENCH_REMATCH_REPEAT: cfg.rematchRepeat,
      BENCH_INCREMENTAL_SAMPLES: cfg.incrementalSamples,
      BENCH_COMPUTE_SAMPLES: cfg.computeSamples,
      BENCH_READABLE_POLL_MS: cfg.readablePollMs,
      BENCH_PERSIST_ROWS: cfg.persistRows,
      BENCH_ALLOCATION_PAIRS: cfg.allocationPairs,
      BENCH_GET_RATES: cfg.getRates.join(','),
      BENCH_POST_RATES: cfg.postRates.join(','),
      BENCH_LOAD_SECONDS: cfg.loadSeconds,
      BENCH_REPORT_DELIVERIES: cfg.reportDeliveries,
      database: cfg.databaseUrl.replace(/\/\/[^@]*@/, '//'),
      queuePrefix: cfg.queuePrefix,
    },
    region: describeRegion(region, loadMs),
    scenarios,
    command: process.env.BENCH_COMMAND ?? 'npm run bench',
  };
}

async function main(): Promise<void> {
  const cfg = loadBenchConfig();
  const run = await runBench(cfg);
  writeFileSync(cfg.output, renderMarkdown(run));
  console.error(`[bench] wrote ${relative(REPO_ROOT, cfg.output) || cfg.output}`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
