import { AppConfig, buildDataSourceOptions } from '@symbiose/core';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../../../migrations';
import { ALL_ENTITIES } from './entities';

/** The one DataSource definition shared by the API, the worker and the migration CLI. */
export function createDataSource(
  config: Pick<AppConfig, 'DATABASE_URL'> & Partial<Pick<AppConfig, 'DB_POOL_MIN'>>,
): DataSource {
  return new DataSource(buildDataSourceOptions(config, ALL_ENTITIES, MIGRATIONS));
}
