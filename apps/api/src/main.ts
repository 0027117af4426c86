import { ConfigValidationError, loadConfig } from '@symbiose/core';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApp(config);
  await app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigValidationError ? err.message : err);
  process.exit(1);
});
