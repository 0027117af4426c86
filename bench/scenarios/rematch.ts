/**
 * Scenario 3 (full re-match incl. all writes, against naive all-pairs) and scenario 8 (worker and API
 * RSS during it). The re-match runs the product's way: POST /api/v1/match-runs as a coordinator, the
 * real worker executes MatchingService.fullRematch, the bench polls the run row. Memory is sampled
 * from /proc every 250 ms while it runs.
 */
import type { MatchableStream } from '@symbiose/domain';
import type { BenchContext } from '../context';
import { requireServices } from '../context';
import { naiveAllPairs, type NaiveResult } from '../candidates';
import { logMessages, type BenchServices } from '../services';
import { fmt, sleep } from '../stats';

const GiB = 2 ** 30;

export interface RematchRun {
  streams: number;
  finished: boolean;
  /** Wall time from POST to the run observed done (or to giving up), s. */
  wallS: number;
  /** finished_at − started_at of the run row, s (NaN when not finished). */
  serverS: number;
  rowsWritten: number;
  matchesStored: number;
  /** Progress when given up: streams done / total. */
  done: number;
  total: number;
  /** Peak RSS sampled during the run, bytes. */
  workerPeak: number;
  apiPeak: number;
  /** RSS right before the run, bytes. */
  workerIdle: number;
  apiIdle: number;
  /** The worker's own summary line, when it logged one. */
  workerLine: string | null;
  error: string | null;
}

async function api<T>(
  services: BenchServices,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${services.apiUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Runs one full re-match through the API and worker; gives up (killing the worker) after timeoutS. */
export async function runFullRematch(
  ctx: BenchContext,
  streams: number,
  timeoutS: number,
): Promise<RematchRun> {
  const { services, minter, coordinator } = requireServices(ctx);
  const token = minter.tokenFor(coordinator);
  const before = { worker: services.worker.memory().rss, api: services.api.memory().rss };
  let workerPeak = before.worker;
  let apiPeak = before.api;
  const logBefore = logMessages(services.worker, 'match run ').length;
  const started = performance.now();
  const run = await api<{ id: string }>(services, token, 'POST', '/match-runs', { reason: 'benchmark' });
  let row:
    | {
        status: string;
        done: number;
        total: number;
        matches_written: number;
        seconds: number | null;
        error: string | null;
      }
    | undefined;
  let finished = false;
  while (performance.now() - started < timeoutS * 1000) {
    await sleep(250);
    const w = services.worker.memory().rss;
    const a = services.api.memory().rss;
    if (w > workerPeak) workerPeak = w;
    if (a > apiPeak) apiPeak = a;
    [row] = (
      await ctx.db.query(
        `SELECT status, done, total, matches_written, error,
           extract(epoch FROM finished_at - started_at)::float8 AS seconds
         FROM match_runs WHERE id = $1`,
        [run.id],
      )
    ).rows;
    if (row?.status === 'done' || row?.status === 'failed') {
      finished = row.status === 'done';
      break;
    }
  }
  const wallS = (performance.now() - started) / 1000;
  let error = row?.status === 'failed' ? (row.error ?? 'failed') : null;
  if (!finished && !error) {
    error = `not finished after ${timeoutS} s`;
    // Abort: kill the worker (its transaction rolls back), drop the job so nothing retries it.
    await services.restartWorker();
    await ctx.db.query(
      `UPDATE match_runs SET status = 'failed', error = 'aborted by the benchmark' WHERE id = $1`,
      [run.id],
    );
  }
  const [{ n }] = (await ctx.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM matches`)).rows;
  const lines = logMessages(services.worker, 'match run ');
  return {
    streams,
    finished,
    wallS,
    serverS: finished && row?.seconds != null ? row.seconds : NaN,
    rowsWritten: row?.matches_written ?? 0,
    matchesStored: n,
    done: row?.done ?? 0,
    total: row?.total ?? 0,
    workerPeak,
    apiPeak,
    workerIdle: before.worker,
    apiIdle: before.api,
    workerLine: lines.length > logBefore ? lines[lines.length - 1] : null,
    error,
  };
}

export interface RematchSeries {
  size: number;
  runs: RematchRun[];
  naive: NaiveResult[];
  /** Candidate pairs inside the reach boxes, and (when the product matcher ran in-process) what qualified and was kept. */
  /** Pairs inside the supplies' reach boxes, the naive matcher's pairs, and the product's own counts when it ran here. */
  candidatePairs?: { inReach: number; allPairs: number; scored?: number; qualifying?: number; kept?: number };
  /** The product's scoreFromScratch on one core in the bench process (compute only, no database), s per repeat. */
  computeS?: number[];
  /** A further run over the store the last run left (nothing changed since): the production case. */
  overStore?: RematchRun;
}

/** The figures of scenarios 3 and 8 from the series measured at each size (the last is the headline size). */
export function rematchFigures(ctx: BenchContext, series: RematchSeries[]) {
  const { cfg } = ctx;
  const figures3 = [];
  const figures8 = [];
  const notes3: string[] = [];
  for (const s of series) {
    const headline = s.size === cfg.streams;
    const done = s.runs.filter((r) => r.finished);
    const naiveS = s.naive.map((n) => n.extrapolatedMs / 1000);
    const label = `${s.size.toLocaleString('en-US')} streams`;
    if (done.length > 0) {
      const walls = done.map((r) => r.wallS);
      const median = [...walls].sort((a, b) => a - b)[Math.floor(walls.length / 2)];
      figures3.push({
        name: `full re-match incl. writes, ${label} (${done[0].rowsWritten.toLocaleString('en-US')} rows written)`,
        unit: 's',
        values: walls,
        baseline: { name: 'naive all-pairs (extrapolated, compute only)', values: naiveS },
        ratio: 'faster' as const,
        target: headline
          ? {
              text: '≤ 30 s and ≥ 50× faster than naive',
              met:
                median <= 30 &&
                naiveS.length > 0 &&
                [...naiveS].sort((a, b) => a - b)[Math.floor(naiveS.length / 2)] / median >= 50,
            }
          : undefined,
      });
    } else {
      const r = s.runs[0];
      const rate = r.done > 0 ? r.wallS / r.done : NaN;
      const extrapolated = r.total > 0 ? rate * r.total : NaN;
      figures3.push({
        name: `full re-match incl. writes, ${label}: did not finish in ${fmt(r.wallS)} s (${r.done.toLocaleString('en-US')} of ${r.total.toLocaleString('en-US')} streams done; extrapolated scoring alone, before any write)`,
        unit: 's',
        values: [extrapolated],
        baseline: { name: 'naive all-pairs (extrapolated, compute only)', values: naiveS },
        ratio: 'faster' as const,
        target: headline ? { text: '≤ 30 s and ≥ 50× faster than naive', met: false } : undefined,
      });
    }
    const runs = s.runs;
    figures8.push({
      name: `worker peak RSS, full re-match of ${label}${runs.every((r) => r.finished) ? '' : ' (until aborted)'}`,
      unit: 'GiB',
      values: runs.map((r) => r.workerPeak / GiB),
      baseline: { name: 'worker RSS before the run', values: runs.map((r) => r.workerIdle / GiB) },
      ratio: 'growth' as const,
      target: headline
        ? {
            text: '≤ 1.5 GiB',
            met: runs.some((r) => r.workerPeak > 1.5 * GiB)
              ? false
              : runs.every((r) => r.finished)
                ? true
                : null,
          }
        : undefined,
    });
    figures8.push({
      name: `API peak RSS during that run`,
      unit: 'GiB',
      values: runs.map((r) => r.apiPeak / GiB),
      baseline: { name: 'API RSS before the run', values: runs.map((r) => r.apiIdle / GiB) },
      ratio: 'growth' as const,
      target: headline
        ? { text: '≤ 1.5 GiB', met: runs.some((r) => r.apiPeak > 1.5 * GiB) ? false : true }
        : undefined,
    });
    const over = s.overStore;
    if (over?.finished) {
      figures3.push({
        name: `full re-match incl. writes over the stored matches of the run before (nothing changed: a new engine or factor set would look like this), ${label} (${over.matchesStored.toLocaleString('en-US')} rows rewritten, ${over.rowsWritten.toLocaleString('en-US')} of them changed)`,
        unit: 's',
        values: [over.wallS],
        baseline: { name: 'naive all-pairs (extrapolated, compute only)', values: naiveS },
        ratio: 'faster' as const,
      });
      notes3.push(
        `**Over the stored matches, ${label}:** run ${fmt(over.wallS)} s wall; the kept pairs are copied into a ` +
          `staging table per category and merged with their stored rows (id, status, interest and creation ` +
          `carried over) by one hash join per category on their way into the new table, two categories at a ` +
          `time on two connections (the worker log's writes figure sums both).` +
          (over.workerLine ? ` Worker log: “${over.workerLine}”.` : ''),
      );
    } else if (over) {
      notes3.push(`**Over the stored matches, ${label}:** ${over.error}.`);
    }
    if (s.computeS && s.computeS.length > 0) {
      figures3.push({
        name: `product matcher, compute only (scoreFromScratch on one core in the bench process, as each scoring thread runs it), ${label}`,
        unit: 's',
        values: s.computeS,
        baseline: { name: 'naive all-pairs (extrapolated, compute only)', values: naiveS },
        ratio: 'faster' as const,
      });
    }
    const n = s.naive[0];
    const c = s.candidatePairs;
    notes3.push(
      `**${label}:** ` +
        (c
          ? `the spatial index and the candidate partitions leave ${c.inReach.toLocaleString('en-US')} candidate pairs, ` +
            `${fmt((c.inReach / Math.max(1, c.allPairs)) * 100)} % of the ${c.allPairs.toLocaleString('en-US')} ` +
            `same-category supply × demand pairs a naive matcher scores` +
            (c.scored !== undefined && c.qualifying !== undefined && c.kept !== undefined
              ? `; each stream scores its own candidates, highest score ceiling first, and leaves those that cannot ` +
                `reach its K-th best: ${c.scored.toLocaleString('en-US')} scorings (a pair both sides score counts twice), ` +
                `${c.qualifying.toLocaleString('en-US')} of them qualifying; the bounded-storage rule keeps ` +
                `${c.kept.toLocaleString('en-US')} rows. `
              : '. ')
          : '') +
        (n
          ? `Naive all-pairs measured on ${n.supplies} supplies (${n.pairs.toLocaleString('en-US')} pairs in ${fmt(n.ms / 1000)} s) ` +
            `and scaled by pair count to ${n.totalPairs.toLocaleString('en-US')} pairs. `
          : '') +
        runs
          .map((r) =>
            r.finished
              ? `Run: ${fmt(r.wallS)} s wall (${fmt(r.serverS)} s between the run row's start and finish), ${r.rowsWritten.toLocaleString('en-US')} rows written, ${r.matchesStored.toLocaleString('en-US')} stored.`
              : `Run aborted after ${fmt(r.wallS)} s: ${r.error}; progress ${r.done.toLocaleString('en-US')}/${r.total.toLocaleString('en-US')} streams, nothing written (the writes come after all scoring, in one transaction).`,
          )
          .join(' ') +
        (runs.find((r) => r.workerLine)
          ? ` Worker log: “${runs.find((r) => r.workerLine)?.workerLine}”.`
          : ''),
    );
  }
  return { figures3, figures8, notes3 };
}

/** The naive baseline on the given streams, once per repeat. */
export function naiveSeries(ctx: BenchContext, streams: readonly MatchableStream[]): NaiveResult[] {
  const out: NaiveResult[] = [];
  for (let r = 0; r < ctx.cfg.repeat; r++) {
    out.push(naiveAllPairs(streams, ctx.cfg.matchTopK, ctx.cfg.naiveSupplies));
    ctx.log(`naive repeat ${r + 1}: ${fmt(out[r].extrapolatedMs / 1000)} s extrapolated`);
  }
  return out;
}
