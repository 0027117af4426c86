import request from 'supertest';
import { pollUntil, startApi } from './support/api-harness';

// A file of its own: Nest's static loggers stay silenced in a process where an app was built with
// `logger: false` before (the other suites' harness), and this one reads what they log at boot.
describe('API logs', () => {
  interface LogLine {
    level: number;
    msg?: string;
    context?: string;
    req?: { id?: string; method?: string; url?: string };
    res?: { statusCode?: number };
  }

  it('boots without a warning and logs a request once, with its request id and no credentials', async () => {
    const raw: string[] = [];
    const api = await startApi(
      { LOG_LEVEL: 'info' },
      { logDestination: { write: (line) => raw.push(line) } },
    );
    try {
      const lines = () => raw.map((line) => JSON.parse(line) as LogLine);
      // Nest 11 warned at every boot about the request logger's legacy wildcard under the global prefix.
      expect(lines().filter((l) => l.level >= 40)).toEqual([]);
      expect(lines().some((l) => l.msg === 'Nest application successfully started')).toBe(true);

      await request(api.url)
        .get('/api/v1/streams')
        .set('x-request-id', 'log-test-1')
        .set('authorization', 'Bearer not-a-token-but-secret')
        .expect(401);
      const logged = await pollUntil(
        async () => {
          const found = lines().filter((l) => l.req?.id === 'log-test-1');
          return found.length > 0 && found;
        },
        { what: 'the request log line' },
      );
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        req: { id: 'log-test-1', method: 'GET', url: '/api/v1/streams' },
        res: { statusCode: 401 },
      });
      expect(raw.join('')).not.toContain('not-a-token-but-secret');
    } finally {
      await api.close();
    }
  });
});
