/**
 * Each process keeps DB_POOL_MIN connections open while idle, so the first request after a quiet spell
 * does not wait for a new backend (measured: a POST /streams after 12 s idle took 45–48 ms on a new
 * connection, 19–21 ms on a kept one, 12–26 ms right after another request).
 */
import { createDataSource } from '@symbiose/domain';
import { DataSource } from 'typeorm';
import { pollUntil } from './support/api-harness';
import { testConfig } from './setup/test-env';

describe('database connection pool', () => {
  let observer: DataSource;
  beforeAll(async () => {
    observer = createDataSource(testConfig());
    await observer.initialize();
  });
  afterAll(async () => observer.destroy());

  /** A pool as the application builds it, with a short idle timeout and a name to find its backends by. */
  async function pool(min: number, name: string): Promise<DataSource> {
    const options = createDataSource({ ...testConfig(), DB_POOL_MIN: min }).options;
    const extra = { ...(options.extra as object), idleTimeoutMillis: 200, application_name: name };
    const ds = new DataSource({ ...options, extra } as typeof options);
    return ds.initialize();
  }
  const backends = async (name: string) =>
    Number(
      (
        await observer.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`, [name])
      )[0].n,
    );

  it.each([
    [4, 4],
    [2, 2],
    [0, 0],
  ])('keeps %i of 6 busy connections open once idle', async (min, kept) => {
    const name = `pool-test-${min}-${process.pid}`;
    const ds = await pool(min, name);
    try {
      await Promise.all(Array.from({ length: 6 }, () => ds.query(`SELECT pg_sleep(0.1)`)));
      expect(await backends(name)).toBe(6);
      // Idle connections past `min` close after the idle timeout; poll until only the kept ones are left.
      await pollUntil(async () => (await backends(name)) === kept, {
        timeoutMs: 5000,
        what: `${kept} connections left`,
      });
      await new Promise((resolve) => setTimeout(resolve, 600)); // three idle timeouts more: still kept
      expect(await backends(name)).toBe(kept);
    } finally {
      await ds.destroy();
    }
  });
});
