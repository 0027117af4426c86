import { ConfigValidationError, EnvironmentVariables, JobQueue, loadConfig } from '@symbiose/core';
import { createDataSource, DEMO_REGION, seedDemo } from '@symbiose/domain';

/**
 * `npm run seed:demo`: loads the Smart Delta Resources demo region (libs/domain/src/demo/sdr-region.json)
 * into DATABASE_URL and enqueues its streams for matching. Safe to run again: nothing changes.
 * The printed passwords are DEMO ONLY; the seed refuses NODE_ENV=production.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const db = createDataSource(config);
  await db.initialize();
  const queue = new JobQueue(config);
  try {
    const result = await seedDemo(db, config, { queue });
    const line = (what: string, c: { created: number; updated: number; unchanged: number }) =>
      `  ${what.padEnd(10)} ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`;
    console.log(`Demo region loaded into ${new URL(config.DATABASE_URL).pathname.slice(1)}.`);
    console.log(`  ${DEMO_REGION.about}`);
    console.log(line('companies', result.companies));
    console.log(line('sites', result.sites));
    console.log(line('users', result.users));
    console.log(line('streams', result.streams));
    console.log(
      `  ${result.enqueued} match-stream jobs enqueued (the worker's sweeper catches up on the rest).`,
    );
    console.log('\nDemo credentials (DEMO ONLY — never use these passwords outside a local demo):');
    const adminPassword =
      config.ADMIN_PASSWORD === new EnvironmentVariables().ADMIN_PASSWORD
        ? config.ADMIN_PASSWORD
        : '(your ADMIN_PASSWORD)';
    console.log(
      result.admin.warning
        ? `  admin        ${result.admin.warning}`
        : `  ${'admin'.padEnd(12)} ${config.ADMIN_EMAIL.padEnd(52)} ${adminPassword}`,
    );
    for (const c of result.credentials) {
      const who = c.company ?? c.region ?? '';
      console.log(`  ${c.role.padEnd(12)} ${c.email.padEnd(52)} ${c.password}  ${who}`);
    }
  } finally {
    await queue.onApplicationShutdown();
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigValidationError ? err.message : err);
  process.exit(1);
});
