/** Benchmark settings, all from the environment (BENCH_*), with defaults for the full run. */
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..');

export const SCENARIOS = [
  'kernel',
  'incremental',
  'rematch',
  'persist',
  'api-load',
  'reports',
  'allocation',
  'memory',
] as const;
export type ScenarioKey = (typeof SCENARIOS)[number];

export interface BenchConfig {
  /** Streams in the synthetic region (scenarios 2, 3, 8). */
  streams: number;
  repeat: number;
  seed: number;
  scenarios: ReadonlySet<ScenarioKey>;
  databaseUrl: string;
  /** Scenario 6's own database: a cached fixture of millions of deliveries, rebuilt when its inputs change. */
  reportsDatabaseUrl: string;
  /** Reuse scenario 6's fixture when its fingerprint matches (0: always rebuild). */
  reuseFixtures: boolean;
  redisUrl: string;
  queuePrefix: string;
  output: string;
  /** 'processes': API and worker as child processes (pinned, own RSS); 'in-process': inside this process (smoke). */
  services: 'processes' | 'in-process';
  /** Pin the API to core 0 and the load generator to core 1 with taskset (when there are ≥ 2 cores). */
  pin: boolean;
  matchTopK: number;
  /** Pairs per kernel measurement. */
  kernelPairs: number;
  /** Pairs explained per baseline measurement (estimatePair is slower). */
  kernelBaselinePairs: number;
  allocationPairs: number;
  persistRows: number;
  /** Rows of the row-by-row baseline (all of persistRows by default). */
  rowByRowRows: number;
  incrementalSamples: number;
  /** New streams per repeat of the incremental scenario timed for their compute alone (see its notes). */
  computeSamples: number;
  /** Milliseconds between the incremental scenario's GETs while it waits for a new stream's matches. */
  readablePollMs: number;
  /** Region sizes at which the full re-match is also run to completion (scaling curve). */
  rematchLadder: number[];
  /** Full re-match runs per ladder size (they are long: the writes dominate). */
  ladderRepeat: number;
  /** New streams per repeat at the ladder size (real store). */
  ladderIncrementalSamples: number;
  /** Give up a full re-match after this many seconds (it is reported as not finished, with its progress). */
  rematchTimeoutS: number;
  /** Full re-match runs at the headline size (minutes each at 100,000 streams). */
  rematchRepeat: number;
  /** Supplies in the naive all-pairs sample (scaled by pair count to the whole region). */
  naiveSupplies: number;
  getRates: number[];
  postRates: number[];
  loadSeconds: number;
  loadConnections: number;
  reportDeliveries: number;
  /** Log progress to stderr. */
  verbose: boolean;
}

function int(env: NodeJS.ProcessEnv, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isFinite(value) || value < min)
    throw new Error(`${key} must be a number ≥ ${min} (got ${raw})`);
  return Math.floor(value);
}

function list(env: NodeJS.ProcessEnv, key: string, fallback: number[]): number[] {
  const raw = env[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (raw.trim() === 'none') return [];
  const values = raw.split(',').map((x) => Number(x.trim().replace(/_/g, '')));
  if (values.some((v) => !Number.isFinite(v) || v <= 0)) throw new Error(`${key} must be a list of numbers`);
  return values;
}

export function loadBenchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const streams = int(env, 'BENCH_STREAMS', 100_000, 100);
  const scale = streams / 100_000;
  const scenarios = new Set<ScenarioKey>();
  const wanted = (env.BENCH_SCENARIOS ?? 'all').split(',').map((s) => s.trim());
  for (const w of wanted) {
    if (w === 'all') SCENARIOS.forEach((s) => scenarios.add(s));
    else if ((SCENARIOS as readonly string[]).includes(w)) scenarios.add(w as ScenarioKey);
    else throw new Error(`BENCH_SCENARIOS: unknown scenario ${w} (known: ${SCENARIOS.join(', ')}, all)`);
  }
  const persistRows = int(
    env,
    'BENCH_PERSIST_ROWS',
    Math.max(1000, Math.round(100_000 * Math.min(1, scale))),
    1,
  );
  const cores = Number(env.BENCH_CORES ?? 0);
  return {
    streams,
    repeat: int(env, 'BENCH_REPEAT', 3, 1),
    seed: int(env, 'BENCH_SEED', 20_261_129),
    scenarios,
    databaseUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/symbiose_bench',
    reportsDatabaseUrl:
      env.BENCH_REPORTS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/symbiose_bench_reports',
    reuseFixtures: env.BENCH_REUSE_FIXTURES !== '0',
    redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    queuePrefix: env.BENCH_QUEUE_PREFIX ?? '{symbiose-bench}',
    output: resolve(REPO_ROOT, env.BENCH_OUTPUT ?? 'BENCHMARKS.md'),
    services: env.BENCH_SERVICES === 'in-process' ? 'in-process' : 'processes',
    pin: env.BENCH_PIN !== '0' && cores !== 1,
    matchTopK: int(env, 'BENCH_MATCH_TOP_K', 50, 1),
    kernelPairs: int(env, 'BENCH_KERNEL_PAIRS', 2_000_000, 1000),
    kernelBaselinePairs: int(env, 'BENCH_KERNEL_BASELINE_PAIRS', 100_000, 100),
    allocationPairs: int(env, 'BENCH_ALLOCATION_PAIRS', 100_000, 10),
    persistRows,
    rowByRowRows: int(env, 'BENCH_ROW_BY_ROW_ROWS', Math.min(persistRows, 5_000), 1),
    incrementalSamples: int(env, 'BENCH_INCREMENTAL_SAMPLES', 12, 1),
    computeSamples: int(env, 'BENCH_COMPUTE_SAMPLES', 100, 0),
    readablePollMs: int(env, 'BENCH_READABLE_POLL_MS', 2, 0),
    rematchLadder: list(env, 'BENCH_REMATCH_LADDER', streams > 20_000 ? [2_000, 5_000] : []),
    ladderRepeat: int(env, 'BENCH_LADDER_REPEAT', 1, 1),
    ladderIncrementalSamples: int(env, 'BENCH_LADDER_INCREMENTAL_SAMPLES', 10, 1),
    rematchTimeoutS: int(env, 'BENCH_REMATCH_TIMEOUT_S', 420, 1),
    rematchRepeat: int(env, 'BENCH_REMATCH_REPEAT', 3, 1),
    naiveSupplies: int(env, 'BENCH_NAIVE_SUPPLIES', 300, 1),
    getRates: list(env, 'BENCH_GET_RATES', [50, 150]),
    postRates: list(env, 'BENCH_POST_RATES', [10]),
    loadSeconds: int(env, 'BENCH_LOAD_SECONDS', 6, 1),
    loadConnections: int(env, 'BENCH_LOAD_CONNECTIONS', 32, 1),
    reportDeliveries: int(env, 'BENCH_REPORT_DELIVERIES', 5_000_000, 1),
    verbose: env.BENCH_QUIET !== '1',
  };
}
