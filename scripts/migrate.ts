import { ConfigValidationError, loadConfig } from '@symbiose/core';
import { migrateDatabase } from '@symbiose/domain';

async function main(): Promise<void> {
  const config = loadConfig();
  const result = await migrateDatabase(config);
  const db = new URL(config.DATABASE_URL).pathname.slice(1);
  if (result.created) console.log(`created database ${db}`);
  console.log(
    result.applied.length ? `applied ${result.applied.join(', ')}` : `database ${db} is up to date`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigValidationError ? err.message : err);
  process.exit(1);
});
