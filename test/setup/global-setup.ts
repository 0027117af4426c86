import { register } from 'tsconfig-paths';
import { TEST_DATABASE_URL } from './test-env';

// Jest's moduleNameMapper does not apply to globalSetup, so resolve the @symbiose/* aliases here.
register({
  baseUrl: `${__dirname}/../..`,
  paths: {
    '@symbiose/core': ['libs/core/src'],
    '@symbiose/domain': ['libs/domain/src'],
    '@symbiose/engine': ['libs/engine/src'],
  },
});

/** Creates and migrates the test database once per jest run. */
export default async function globalSetup(): Promise<void> {
  const { migrateDatabase } = await import('../../libs/domain/src/database/migrate');
  await migrateDatabase({ DATABASE_URL: TEST_DATABASE_URL });
}
