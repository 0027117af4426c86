import { DataSourceOptions, MixedList } from 'typeorm';
import { AppConfig } from '../config/app-config';

type EntityList = DataSourceOptions['entities'];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type MigrationList = MixedList<Function | string>;

/** One set of options for the application and the migration CLI. synchronize is never on. */
export function buildDataSourceOptions(
  config: Pick<AppConfig, 'DATABASE_URL'> & Partial<Pick<AppConfig, 'DB_POOL_MIN'>>,
  entities: EntityList,
  migrations: MigrationList,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    entities,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Failed queries reach the caller and our logs; TypeORM's own logger would print their parameters.
    logging: false,
    // No JIT: its thresholds are costs, and ours are inflated by estimates over unnest() and by the
    // settings that disable nested loops, so statements reading a few thousand rows compiled for
    // 300–550 ms each (a stream job's floor refresh, its proposals' digest); none of ours is a long
    // expression-heavy scan that compiling would pay back.
    extra: {
      max: 20,
      // Idle connections past `min` close after 10 s (pg-pool's default); those below stay warm.
      min: config.DB_POOL_MIN ?? 0,
      connectionTimeoutMillis: 5000,
      statement_timeout: 60_000,
      options: '-c jit=off',
    },
  };
}

/** The database name and a URL to the maintenance database on the same server. */
export function splitDatabaseUrl(url: string): { database: string; maintenanceUrl: string } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]+$/.test(database)) {
    throw new Error(`DATABASE_URL: database name "${database}" must match [A-Za-z0-9_-]+`);
  }
  parsed.pathname = '/postgres';
  return { database, maintenanceUrl: parsed.toString() };
}
