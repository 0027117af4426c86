/** The result model of a benchmark run and its rendering as BENCHMARKS.md. */
import { fmt, summarize } from './stats';
import type { MachineInfo } from './machine';

/**
 * How a figure compares with its baseline:
 * - 'faster': lower is better (times); ratio = baseline ÷ figure ("12× faster").
 * - 'higher': higher is better (throughput); ratio = figure ÷ baseline ("4.1× the baseline").
 * - 'growth': neither; ratio = figure ÷ baseline ("3.2× of idle").
 */
export type RatioKind = 'faster' | 'higher' | 'growth';

export interface Target {
  text: string;
  /** null: not decidable in this run (e.g. the scenario did not finish). */
  met: boolean | null;
}

export interface Figure {
  name: string;
  unit: string;
  /** One value per repeat (or per sample, for distributions already reduced to a percentile per repeat). */
  values: number[];
  baseline?: { name: string; values: number[]; unit?: string };
  ratio?: RatioKind;
  target?: Target;
  note?: string;
}

export interface ScenarioResult {
  id: number;
  title: string;
  status: 'ran' | 'skipped' | 'failed' | 'partial';
  figures: Figure[];
  /** Setup, method and findings, one paragraph each. */
  notes: string[];
  reason?: string;
  seconds?: number;
}

export interface BenchRun {
  startedAt: Date;
  finishedAt: Date;
  machine: MachineInfo;
  settings: Record<string, string | number>;
  region: string[];
  scenarios: ScenarioResult[];
  command: string;
}

const HOW_TO_RUN = [
  '```bash',
  'npm run bench                                    # every scenario, default sizes; rewrites BENCHMARKS.md',
  'BENCH_STREAMS=20000 BENCH_REPEAT=1 npm run bench # smaller region, one repeat',
  'BENCH_SCENARIOS=kernel,allocation BENCH_OUTPUT=/tmp/b.md npm run bench   # some scenarios, elsewhere',
  '```',
  '',
  'Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379, like the tests. The ' +
    'benchmarks drop and re-create their own database `symbiose_bench` (migrated with `migrateDatabase`) and use ' +
    'the queue prefix `{symbiose-bench}`; scenario 6 keeps a fixture database `symbiose_bench_reports` that is ' +
    'rebuilt only when the migrations, seed or size change (the first run on a machine spends several extra ' +
    'minutes building it; `BENCH_REUSE_FIXTURES=0` forces a rebuild). Settings (environment): `BENCH_STREAMS` ' +
    '(region size), `BENCH_REPEAT`, `BENCH_SEED`, `BENCH_SCENARIOS` (kernel, incremental, rematch, persist, ' +
    'api-load, reports, allocation, memory), `BENCH_REMATCH_LADDER`, `BENCH_REMATCH_TIMEOUT_S`, `BENCH_REMATCH_REPEAT`, ' +
    '`BENCH_INCREMENTAL_SAMPLES`, `BENCH_COMPUTE_SAMPLES`, `BENCH_READABLE_POLL_MS`, `BENCH_PERSIST_ROWS`, `BENCH_ROW_BY_ROW_ROWS`, `BENCH_ALLOCATION_PAIRS`, ' +
    '`BENCH_GET_RATES`, `BENCH_POST_RATES`, `BENCH_LOAD_SECONDS`, `BENCH_REPORT_DELIVERIES`, `BENCH_OUTPUT`, ' +
    '`BENCH_PIN=0` (no taskset); all in bench/config.ts. A smoke run of the whole harness at tiny sizes is part ' +
    'of `npm test` (test/bench-smoke.e2e-spec.ts); the benchmarks themselves never are.',
];

function ratioOf(f: Figure): { value: number; text: string } | null {
  if (!f.baseline || !f.ratio) return null;
  const a = summarize(f.values).median;
  const b = summarize(f.baseline.values).median;
  if (!Number.isFinite(a) || !Number.isFinite(b) || a === 0 || b === 0) return null;
  switch (f.ratio) {
    case 'faster': {
      const r = b / a;
      return { value: r, text: r >= 1 ? `${fmt(r)}× faster` : `${fmt(1 / r)}× slower` };
    }
    case 'higher':
      return { value: a / b, text: `${fmt(a / b)}× baseline` };
    case 'growth':
      return { value: a / b, text: `${fmt(a / b)}× baseline` };
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function triple(values: number[]): string {
  const s = summarize(values);
  if (s.n === 0) return '–';
  if (s.n === 1) return fmt(s.median);
  return `${fmt(s.min)} / **${fmt(s.median)}** / ${fmt(s.max)}`;
}

function verdict(t: Target | undefined): string {
  if (!t) return '';
  const mark = t.met === true ? '✅ met' : t.met === false ? '❌ missed' : '⚠️ n/a';
  return `${cell(t.text)} — ${mark}`;
}

/** The one table with every figure, then a section per scenario. */
export function renderMarkdown(run: BenchRun): string {
  const lines: string[] = [];
  const m = run.machine;
  lines.push('# Benchmarks');
  lines.push('');
  lines.push(
    `Written by \`${run.command}\` on ${run.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC ` +
      `(${Math.round((run.finishedAt.getTime() - run.startedAt.getTime()) / 1000)} s). Do not edit by hand: ` +
      'rerun the command.',
  );
  lines.push('');
  lines.push('## How to run');
  lines.push('');
  lines.push(...HOW_TO_RUN);
  lines.push('');
  lines.push('## Machine');
  lines.push('');
  lines.push(`- CPU: ${m.cpuModel}, ${m.cores} cores; memory ${m.memoryGiB} GiB; ${m.os}`);
  lines.push(`- Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}`);
  lines.push(
    `- Load average when the run started: ${m.loadAverageStart}; when it ended: ${m.loadAverageEnd}. ` +
      'The load includes the benchmark’s own API, worker, Postgres and Redis; absolute figures move with ' +
      'whatever else a 2-core machine runs, so ratios against baselines measured in the same run are the ' +
      'figures to compare.',
  );
  lines.push('');
  lines.push('## Settings');
  lines.push('');
  lines.push(
    Object.entries(run.settings)
      .map(([k, v]) => `\`${k}=${v}\``)
      .join(', '),
  );
  lines.push('');
  if (run.region.length > 0) {
    lines.push('Synthetic region: ' + run.region.join('; ') + '.');
    lines.push('');
  }
  lines.push('## Results');
  lines.push('');
  lines.push(
    'Each figure is **min / median / max** over the repeats (a single value when measured once). ' +
      'Ratios compare medians with the baseline measured in the same run.',
  );
  lines.push('');
  lines.push('| # | figure | value | baseline | ratio | target |');
  lines.push('|---|---|---|---|---|---|');
  for (const s of run.scenarios) {
    if (s.status === 'skipped' || s.figures.length === 0) {
      lines.push(
        `| ${s.id} | ${cell(s.title)} | ${s.status === 'skipped' ? 'skipped' : s.status}: ${cell(s.reason ?? '')} | | | |`,
      );
      continue;
    }
    for (const f of s.figures) {
      const r = ratioOf(f);
      const base = f.baseline
        ? `${cell(f.baseline.name)}: ${triple(f.baseline.values)} ${f.baseline.unit ?? f.unit}`
        : '';
      lines.push(
        `| ${s.id} | ${cell(f.name)} | ${triple(f.values)} ${f.unit} | ${base} | ${r ? r.text : ''} | ${verdict(f.target)} |`,
      );
    }
  }
  lines.push('');
  for (const s of run.scenarios) {
    lines.push(`### ${s.id}. ${s.title}`);
    lines.push('');
    if (s.status !== 'ran') lines.push(`**${s.status}**${s.reason ? `: ${s.reason}` : ''}`, '');
    for (const note of s.notes) lines.push(note, '');
    for (const f of s.figures) if (f.note) lines.push(`- ${f.name}: ${f.note}`);
    if (s.figures.some((f) => f.note)) lines.push('');
    if (s.seconds !== undefined) lines.push(`_Scenario wall time: ${Math.round(s.seconds)} s._`, '');
  }
  return lines.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}
