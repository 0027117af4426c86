import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where workers publish their metrics so any API instance can serve them on /metrics. */
export const workerMetricsKey = (prefix: string, instance: string) => `${prefix}:metrics:worker:${instance}`;
export const workerMetricsPattern = (prefix: string) => `${prefix}:metrics:worker:*`;

export function createApiMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'symbiose_api_' });
  const httpDuration = new Histogram({
    name: 'symbiose_http_request_duration_seconds',
    help: 'HTTP request latency by route template, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return { registry, httpDuration };
}
export type ApiMetrics = ReturnType<typeof createApiMetrics>;

export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'symbiose_worker_' });
  const jobsProcessed = new Counter({
    name: 'symbiose_jobs_processed_total',
    help: 'Jobs processed by name and outcome',
    labelNames: ['job', 'outcome'] as const,
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'symbiose_job_duration_seconds',
    help: 'Job processing time by name',
    labelNames: ['job'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 120],
    registers: [registry],
  });
  return { registry, jobsProcessed, jobDuration };
}
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
