import { ConfigValidationError, loadConfig } from '@symbiose/core';
import { createWorkerApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createWorkerApp(config);
  await app.init();
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigValidationError ? err.message : err);
  process.exit(1);
});
