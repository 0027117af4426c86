import { INestApplicationContext } from '@nestjs/common';
import request from 'supertest';
import { bearer, createTenant, SITE_LOCATIONS, tokenFor } from '../factories';
import { ApiHarness, pollUntil, startApi } from '../support/api-harness';
import { PrivateRedis } from '../support/redis-server';
import { isolatedConfig, startWorker } from '../support/worker-harness';

const API = '/api/v1';

function heatSupply(siteId: string, amount = 200000) {
  return {
    siteId,
    direction: 'supply',
    category: 'heat',
    title: 'Process heat from the ammonia plant',
    quantity: { amount, unit: 'MWh/yr' },
    heat: { temperatureC: 95, medium: 'hot_water' },
    currentHandling: 'cooling_tower',
  };
}

function heatDemand(siteId: string, amount = 80000) {
  return {
    siteId,
    direction: 'demand',
    category: 'heat',
    title: 'Greenhouse heating',
    quantity: { amount, unit: 'MWh/yr' },
    heat: { temperatureC: 70, medium: 'hot_water' },
    currentSource: 'natural_gas_boiler',
  };
}

describe('matching pipeline through the API (real Postgres, Redis and worker)', () => {
  describe('at normal operation', () => {
    let api: ApiHarness;
    let worker: INestApplicationContext;
    beforeAll(async () => {
      const config = await isolatedConfig('pipeline');
      api = await startApi({ DATABASE_URL: config.DATABASE_URL, QUEUE_PREFIX: config.QUEUE_PREFIX });
      // A database of this suite's own, emptied so earlier runs' listings are no candidates.
      await api.db.query(`TRUNCATE matches, stream_match_state, streams CASCADE`);
      worker = await startWorker(api.config);
    });
    afterAll(async () => {
      await worker.close();
      await api.close();
    });

    it('a listing created through the API has its matches readable through the API', async () => {
      const supplier = await createTenant(api.db, { location: SITE_LOCATIONS.terneuzen });
      const receiver = await createTenant(api.db, { location: SITE_LOCATIONS.zelzate });
      const supplierToken = tokenFor(api, supplier.officer);
      const receiverToken = tokenFor(api, receiver.officer);
      const demand = await request(api.url)
        .post(`${API}/streams`)
        .set(bearer(receiverToken))
        .send(heatDemand(receiver.sites[0].id))
        .expect(201);
      const supply = await request(api.url)
        .post(`${API}/streams`)
        .set(bearer(supplierToken))
        .send(heatSupply(supplier.sites[0].id))
        .expect(201);
      const matches = await pollUntil(
        async () => {
          const res = await request(api.url)
            .get(`${API}/streams/${supply.body.id}/matches`)
            .set(bearer(supplierToken))
            .expect(200);
          return res.body.total > 0 ? res.body : null;
        },
        { what: 'the new listing to have matches' },
      );
      expect(matches.items).toHaveLength(1);
      const match = matches.items[0];
      // Before mutual interest the officer does not learn the other company's stream id either.
      expect(match).toMatchObject({
        status: 'proposed',
        supplyStreamId: supply.body.id,
        demandStreamId: null,
        counterpart: { category: 'heat', region: 'BE-VOV', municipality: 'Zelzate', revealed: false },
      });
      // 80,000 MWh/yr demand at 70 °C from 95 °C supply: direct use, less pipeline losses.
      expect(match.estimate.transportMode).toBe('pipeline');
      expect(match.estimate.exchangedQuantity.unit).toBe('MWh/yr');
      expect(match.estimate.exchangedQuantity.amount).toBeLessThanOrEqual(80000);
      expect(match.estimate.co2AvoidedTonnesPerYear).toBeGreaterThan(10000);
      expect(match.estimate.co2AvoidedTonnesPerYear).toBeLessThan(match.estimate.grossCo2TonnesPerYear);
      const serialized = JSON.stringify(matches);
      expect(serialized).not.toContain(receiver.company.name);
      expect(serialized).not.toContain('Greenhouse heating');

      // The receiving side sees the same match from its own stream, and the detail has the explanation.
      const fromDemand = await request(api.url)
        .get(`${API}/streams/${demand.body.id}/matches`)
        .set(bearer(receiverToken))
        .expect(200);
      expect(fromDemand.body.items.map((m: { id: string }) => m.id)).toEqual([match.id]);
      expect(fromDemand.body.items[0].demandStreamId).toBe(demand.body.id);
      const detail = await request(api.url)
        .get(`${API}/matches/${match.id}`)
        .set(bearer(receiverToken))
        .expect(200);
      expect(detail.body.explanation.steps.length).toBeGreaterThan(3);
      expect(detail.body.explanation.factorSetVersion).toBe('2026.1');
      expect(detail.body.estimate.co2AvoidedTonnesPerYear).toBe(match.estimate.co2AvoidedTonnesPerYear);
    });
  });

  describe('with Redis stopped while listings are created and updated', () => {
    const redis = new PrivateRedis();
    let api: ApiHarness;
    let worker: INestApplicationContext;
    beforeAll(async () => {
      await redis.start();
      const config = await isolatedConfig('outage', { REDIS_URL: redis.url, SWEEP_INTERVAL_MS: '1000' });
      api = await startApi({
        DATABASE_URL: config.DATABASE_URL,
        QUEUE_PREFIX: config.QUEUE_PREFIX,
        REDIS_URL: redis.url,
        SWEEP_INTERVAL_MS: '1000',
      });
      await api.db.query(`TRUNCATE matches, stream_match_state, streams CASCADE`);
      worker = await startWorker(api.config);
    });
    afterAll(async () => {
      await worker.close();
      await api.close();
      await redis.stop();
    });

    it('every request succeeds, and every stream is matched once Redis is back, with nobody touching anything', async () => {
      const supplier = await createTenant(api.db, { location: SITE_LOCATIONS.terneuzen });
      const receiver = await createTenant(api.db, { location: SITE_LOCATIONS.zelzate });
      const supplierToken = tokenFor(api, supplier.officer);
      const receiverToken = tokenFor(api, receiver.officer);
      await redis.stop();

      const demand = await request(api.url)
        .post(`${API}/streams`)
        .set(bearer(receiverToken))
        .send(heatDemand(receiver.sites[0].id))
        .expect(201);
      const supply = await request(api.url)
        .post(`${API}/streams`)
        .set(bearer(supplierToken))
        .send(heatSupply(supplier.sites[0].id))
        .expect(201);
      const updated = await request(api.url)
        .patch(`${API}/streams/${supply.body.id}`)
        .set(bearer(supplierToken))
        .send({ version: supply.body.version, quantity: { amount: 150000, unit: 'MWh/yr' } })
        .expect(200);
      expect(updated.body.version).toBe(supply.body.version + 1);
      const [dirty] = (await api.db.query(
        `SELECT count(*)::int AS n FROM streams WHERE id = ANY($1::uuid[]) AND matched_version < version`,
        [[supply.body.id, demand.body.id]],
      )) as { n: number }[];
      expect(dirty.n).toBe(2);

      await redis.start();
      await pollUntil(
        async () => {
          const rows: { n: number }[] = await api.db.query(
            `SELECT count(*)::int AS n FROM streams WHERE id = ANY($1::uuid[]) AND matched_version = version`,
            [[supply.body.id, demand.body.id]],
          );
          return rows[0].n === 2;
        },
        {
          what: 'the sweeper to match both streams after Redis returned',
          timeoutMs: 30_000,
          intervalMs: 200,
        },
      );
      const res = await request(api.url)
        .get(`${API}/streams/${demand.body.id}/matches`)
        .set(bearer(receiverToken))
        .expect(200);
      expect(res.body.total).toBe(1);
      expect(res.body.items[0].demandStreamId).toBe(demand.body.id);
      expect(res.body.items[0].estimate.co2AvoidedTonnesPerYear).toBeGreaterThan(0);
    });
  });
});
