import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ApiHarness, startApi } from './support/api-harness';

describe('OpenAPI document', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => api.close());

  it('served at /docs-json equals the committed openapi.json (run `npm run openapi` after API changes)', async () => {
    const served = (await request(api.url).get('/docs-json').expect(200)).body;
    const committed = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
    expect(served).toEqual(committed);
    expect(Object.keys(served.paths)).toEqual(
      expect.arrayContaining(['/health/ready', '/api/v1/matches/{id}']),
    );
  });

  it('serves the docs UI', async () => {
    const res = await request(api.url).get('/docs').expect(200);
    expect(res.text).toContain('swagger');
  });
});
