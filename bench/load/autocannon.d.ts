/** The part of autocannon 8's programmatic API the load runner uses (the package ships no types). */
declare module 'autocannon' {
  namespace autocannon {
    interface Histogram {
      p50: number;
      p90: number;
      p99: number;
      max: number;
    }
    interface Result {
      duration: number;
      latency: Histogram;
      requests: { total: number };
      non2xx: number;
      errors: number;
      timeouts: number;
    }
    interface Options {
      url: string;
      connections?: number;
      overallRate?: number;
      duration?: number;
      timeout?: number;
      requests?: { setupRequest?: (req: Record<string, unknown>) => Record<string, unknown> }[];
    }
  }
  function autocannon(
    options: autocannon.Options,
    callback: (err: Error | null, result: autocannon.Result) => void,
  ): unknown;
  export = autocannon;
}
