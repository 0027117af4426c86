import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@symbiose/core';
import { buildOpenApiDocument, createApiApp } from '../apps/api/src/bootstrap';

/** Writes the committed openapi.json from the code (a test keeps the two in sync). */
async function main(): Promise<void> {
  const app = await createApiApp(loadConfig({ ...process.env, LOG_LEVEL: 'silent' }), { logger: false });
  await app.init();
  const document = buildOpenApiDocument(app);
  writeFileSync(join(__dirname, '..', 'openapi.json'), JSON.stringify(document, null, 2) + '\n');
  await app.close();
  console.log('wrote openapi.json');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
