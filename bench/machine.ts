/** What the benchmarks ran on. */
import { Redis } from 'ioredis';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { Client } from 'pg';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  redis: string;
  loadAverageStart: string;
  loadAverageEnd: string;
}

export const loadAverage = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');

export async function machineInfo(databaseUrl: string, redisUrl: string): Promise<MachineInfo> {
  const cpu = cpus();
  let postgres = 'unknown';
  const pg = new Client({ connectionString: databaseUrl });
  try {
    await pg.connect();
    const { rows } = await pg.query<{ server_version: string }>('SHOW server_version');
    postgres = rows[0].server_version;
  } catch {
    // The database may not exist yet; the version is informative only.
  } finally {
    await pg.end().catch(() => undefined);
  }
  let redis = 'unknown';
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    const info = await r.info('server');
    redis = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    // informative only
  } finally {
    r.disconnect();
  }
  return {
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${osType()} ${release()}`,
    node: process.version,
    postgres,
    redis,
    loadAverageStart: loadAverage(),
    loadAverageEnd: '',
  };
}
