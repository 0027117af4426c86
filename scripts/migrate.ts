import { ConfigValidationError, loadConfig } from '@symbiose/core';
import { ensureFirstAdmin, FirstAdminResult, migrateDatabase } from '@symbiose/domain';

async function main(): Promise<void> {
  const config = loadConfig();
  let admin: FirstAdminResult | undefined;
  const result = await migrateDatabase(config, async (dataSource) => {
    admin = await ensureFirstAdmin(dataSource, config);
  });
  const db = new URL(config.DATABASE_URL).pathname.slice(1);
  if (result.created) console.log(`created database ${db}`);
  console.log(
    result.applied.length ? `applied ${result.applied.join(', ')}` : `database ${db} is up to date`,
  );
  if (admin?.created) console.log(`created the first admin ${config.ADMIN_EMAIL.trim().toLowerCase()}`);
  if (admin?.warning) console.warn(admin.warning);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigValidationError ? err.message : err);
  process.exit(1);
});
