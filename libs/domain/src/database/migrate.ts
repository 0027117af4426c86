import { AppConfig, splitDatabaseUrl } from '@symbiose/core';
import { Client } from 'pg';
import { createDataSource } from './data-source';

/** Arbitrary constant: every migrating process takes this advisory lock, so concurrent runs serialize. */
const MIGRATION_LOCK_ID = 7_356_110_042;

export interface MigrateResult {
  created: boolean;
  applied: string[];
}

/** Creates the database if missing, then applies pending migrations under a Postgres advisory lock. */
export async function migrateDatabase(
  config: Pick<AppConfig, 'DATABASE_URL'>,
  afterMigrate?: (ds: import('typeorm').DataSource) => Promise<void>,
): Promise<MigrateResult> {
  const created = await ensureDatabase(config.DATABASE_URL);
  const lock = new Client({ connectionString: config.DATABASE_URL });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const dataSource = createDataSource(config);
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      if (afterMigrate) await afterMigrate(dataSource);
      return { created, applied: applied.map((m) => m.name) };
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await lock.end();
  }
}

async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const { database, maintenanceUrl } = splitDatabaseUrl(databaseUrl);
  const admin = new Client({ connectionString: maintenanceUrl });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount) return false;
    try {
      await admin.query(`CREATE DATABASE "${database}"`);
      return true;
    } catch (err) {
      // 42P04 duplicate_database: another process created it first, which is fine.
      if ((err as { code?: string }).code === '42P04') return false;
      throw err;
    }
  } finally {
    await admin.end();
  }
}
