/**
 * Open-loop HTTP load at a fixed rate: request i is due at start + i / rate, whatever the responses do,
 * over a pool of keep-alive connections, and its latency runs from when it was due (so a full pool or a
 * late generator counts against the server's figure: no coordinated omission). autocannon's
 * `overallRate` was used before: it spends each connection's share of the second's budget at the start
 * of every second, so all connections fired together and a figure measured the server draining a burst
 * of a second's requests (GET p50 80 ms at 50 req/s for a request that takes 10 ms alone). Run as its
 * own process (`node bench/load/load-runner.ts job.json out.json`, pinned with taskset by the caller) or
 * called in-process by the smoke test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { percentile, sleep } from '../stats';

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

/** One request on the pool; resolves with the status code (0: no response). */
function send(agent: Agent, base: URL, r: LoadRequest, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method: r.method,
        path: r.path,
        headers:
          r.body === undefined ? r.headers : { ...r.headers, 'content-length': Buffer.byteLength(r.body) },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume(); // read the body to its end: the latency includes it
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new TimeoutError()));
    req.on('error', reject);
    req.end(r.body);
  });
}

class TimeoutError extends Error {}

async function runOne(job: LoadJob, run: LoadRun): Promise<LoadResult> {
  const base = new URL(job.url);
  const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
  const interval = 1000 / run.rate;
  const count = Math.max(1, Math.round(run.rate * run.seconds));
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    // Round robin over the pool (a shuffled pool: the caller draws it at random).
    const r = run.requests[i % run.requests.length];
    pending.push(
      send(agent, base, r, 30_000).then(
        (status) => {
          latencies.push(performance.now() - due);
          if (status < 200 || status >= 300) non2xx++;
        },
        (err: unknown) => {
          if (err instanceof TimeoutError) timeouts++;
          else errors++;
        },
      ),
    );
  }
  await Promise.all(pending);
  const duration = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    label: run.label,
    rate: run.rate,
    achievedRate: latencies.length / Math.max(1e-9, duration),
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    max: latencies.length ? Math.max(...latencies) : NaN,
    total: latencies.length,
    non2xx,
    errors,
    timeouts,
  };
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
