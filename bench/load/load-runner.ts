/**
 * Fixed-rate HTTP load with autocannon (`overallRate`: open-loop pacing, latencies corrected for
 * coordinated omission). Run as its own process (`node bench/load/load-runner.ts job.json out.json`,
 * pinned with taskset by the caller) or called in-process by the smoke test.
 */
import autocannon from 'autocannon';
import { readFileSync, writeFileSync } from 'node:fs';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadRun {
  label: string;
  rate: number;
  seconds: number;
  requests: LoadRequest[];
}

export interface LoadJob {
  url: string;
  connections: number;
  runs: LoadRun[];
}

export interface LoadResult {
  label: string;
  rate: number;
  /** Requests completed per second. */
  achievedRate: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

function runOne(job: LoadJob, run: LoadRun): Promise<LoadResult> {
  let next = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: job.url,
        connections: job.connections,
        overallRate: run.rate,
        duration: run.seconds,
        timeout: 30,
        requests: [
          {
            setupRequest: (req: Record<string, unknown>) => {
              // Round robin over the pool (a shuffled pool: the caller draws it at random).
              const r = run.requests[next++ % run.requests.length];
              req.method = r.method;
              req.path = r.path;
              req.headers = r.headers;
              req.body = r.body;
              return req;
            },
          },
        ],
      } as autocannon.Options,
      (err, result) => {
        if (err) return reject(err);
        resolve({
          label: run.label,
          rate: run.rate,
          achievedRate: result.requests.total / Math.max(1e-9, result.duration),
          p50: result.latency.p50,
          p90: result.latency.p90,
          p99: result.latency.p99,
          max: result.latency.max,
          total: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
  });
}

export async function runLoadJob(job: LoadJob): Promise<LoadResult[]> {
  const out: LoadResult[] = [];
  for (const run of job.runs) out.push(await runOne(job, run));
  return out;
}

if (require.main === module) {
  const [jobFile, outFile] = process.argv.slice(2);
  runLoadJob(JSON.parse(readFileSync(jobFile, 'utf8')) as LoadJob)
    .then((results) => writeFileSync(outFile, JSON.stringify(results)))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
