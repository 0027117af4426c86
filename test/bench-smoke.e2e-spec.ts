/**
 * Keeps the benchmark harness from rotting: every scenario of `npm run bench` at tiny sizes, with the
 * API and worker inside this process, on databases and a queue prefix of its own. Writes its report to
 * a temporary file (never the committed BENCHMARKS.md). The real benchmarks never run in `npm test`.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropDatabase } from '../bench/bench-db';
import { loadBenchConfig, SCENARIOS } from '../bench/config';
import { renderMarkdown } from '../bench/report';
import { runBench } from '../bench/run';

jest.setTimeout(600_000);

// Names of this run's own (several test runs may share the machine); dropped when done.
const tag = `${process.pid}_${process.env.JEST_WORKER_ID ?? '0'}`;
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/symbiose_test_bench_smoke_${tag}`;
const REPORTS_DATABASE_URL = `postgres://postgres@127.0.0.1:5432/symbiose_test_bench_smoke_reports_${tag}`;

describe('benchmark harness (smoke)', () => {
  afterAll(async () => {
    await dropDatabase(DATABASE_URL);
    await dropDatabase(REPORTS_DATABASE_URL);
  });

  it('runs every scenario at tiny sizes and writes a report', async () => {
    const output = join(mkdtempSync(join(tmpdir(), 'bench-smoke-')), 'BENCHMARKS.md');
    const committedPath = join(__dirname, '..', 'BENCHMARKS.md');
    const committed = existsSync(committedPath) ? readFileSync(committedPath, 'utf8') : null;
    const cfg = loadBenchConfig({
      BENCH_STREAMS: '500',
      BENCH_REPEAT: '1',
      BENCH_SERVICES: 'in-process',
      BENCH_PIN: '0',
      BENCH_OUTPUT: output,
      BENCH_DATABASE_URL: DATABASE_URL,
      BENCH_REPORTS_DATABASE_URL: REPORTS_DATABASE_URL,
      BENCH_QUEUE_PREFIX: `{symbiose-test-bench-smoke-${tag.replace('_', '-')}}`,
      BENCH_REMATCH_LADDER: '300',
      BENCH_LADDER_INCREMENTAL_SAMPLES: '2',
      BENCH_INCREMENTAL_SAMPLES: '3',
      BENCH_COMPUTE_SAMPLES: '3',
      BENCH_KERNEL_PAIRS: '20000',
      BENCH_KERNEL_BASELINE_PAIRS: '500',
      BENCH_ALLOCATION_PAIRS: '500',
      BENCH_PERSIST_ROWS: '300',
      BENCH_NAIVE_SUPPLIES: '10',
      BENCH_GET_RATES: '10',
      BENCH_POST_RATES: '2',
      BENCH_LOAD_SECONDS: '1',
      BENCH_LOAD_CONNECTIONS: '2',
      BENCH_REPORT_DELIVERIES: '3000',
      BENCH_REUSE_FIXTURES: '0',
      BENCH_QUIET: '1',
    });
    const run = await runBench(cfg);
    writeFileSync(output, renderMarkdown(run));

    const ids = run.scenarios.map((s) => s.id).sort((a, b) => a - b);
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(SCENARIOS).toHaveLength(8);
    for (const s of run.scenarios) {
      // Scenario 6 may be skipped ("not yet built") while deliveries and reports are missing.
      if (s.id === 6 && s.status === 'skipped') expect(s.reason).toMatch(/not yet built/);
      else
        expect({ id: s.id, status: s.status, reason: s.reason }).toEqual({
          id: s.id,
          status: 'ran',
          reason: undefined,
        });
      if (s.status === 'ran') {
        expect(s.figures.length).toBeGreaterThan(0);
        for (const f of s.figures) expect(f.values.every((v) => Number.isFinite(v))).toBe(true);
      }
    }
    // The product's matcher alone (one core, no writes) next to the naive baseline, at every size.
    const rematch = run.scenarios.find((s) => s.id === 3)!;
    expect(
      rematch.figures.filter((f) => f.name.startsWith('product matcher, compute only')).map((f) => f.name),
    ).toEqual([expect.stringMatching(/, 300 streams$/), expect.stringMatching(/, 500 streams$/)]);
    // The headline compute p99 takes the 3 compute-only jobs beside the 4 samples read by commit (of 2 × 3).
    const incremental = run.scenarios.find((s) => s.id === 2)!;
    expect(incremental.figures.map((f) => f.name)).toContainEqual(
      expect.stringMatching(
        /^worker compute p99 \(matchStream computeMs\) over 7 jobs per repeat — 500 streams/,
      ),
    );
    const text = readFileSync(output, 'utf8');
    expect(text).toContain('| # | figure | value | baseline | ratio | target |');
    expect(text).toMatch(/Node v\d+/);
    expect(existsSync(committedPath) ? readFileSync(committedPath, 'utf8') : null).toBe(committed);
  });
});
