import { JobQueue, QueueName } from '@symbiose/core';
import { StreamsService } from '@symbiose/domain';
import { MATERIAL_TAXONOMY } from '@symbiose/engine';
import request from 'supertest';
import { ApiHarness } from './support/api-harness';
import {
  bearer,
  co2Demand,
  createStream,
  createStreamWorld,
  heatSupply,
  slagSupply,
  streamCount,
  StreamWorld,
  startStreamsApi,
} from './streams-fixtures';

const API = '/api/v1';

describe('streams API (real Postgres and Redis)', () => {
  let api: ApiHarness;
  let w: StreamWorld;
  let queue: JobQueue;

  beforeAll(async () => {
    api = await startStreamsApi();
    w = await createStreamWorld(api);
    queue = api.app.get(JobQueue);
  });
  afterAll(async () => api?.close());

  const matchJob = (id: string, version: number) =>
    queue.queue(QueueName.Matching).getJob(`match-stream_${id}_v${version}`);

  describe('POST /streams', () => {
    it('creates an active stream with the canonical quantity, copies the site facts and enqueues matching', async () => {
      const res = await request(api.url)
        .post(`${API}/streams`)
        .set(bearer(w.users.officerA.token))
        .send(
          heatSupply(w.siteA, {
            description: 'Cooling-tower load of the ammonia plant',
            quantity: { amount: 1800, unit: 'TJ/yr' },
            heat: { temperatureC: 95, medium: 'hot_water', returnTemperatureC: 60, pressureBar: 6 },
            availableFrom: '2027-01-01',
            availableUntil: '2035-12-31',
            maxDistanceKm: 25,
          }),
        )
        .expect(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        siteId: w.siteA,
        companyId: w.companyA,
        direction: 'supply',
        category: 'heat',
        title: 'Low-grade process heat',
        description: 'Cooling-tower load of the ammonia plant',
        quantity: { amount: 1800, unit: 'TJ/yr' },
        annualQuantity: { amount: 500000, unit: 'MWh/yr' },
        heat: { temperatureC: 95, medium: 'hot_water', returnTemperatureC: 60, pressureBar: 6 },
        currentHandling: 'cooling_tower',
        availableFrom: '2027-01-01',
        availableUntil: '2035-12-31',
        maxDistanceKm: 25,
        visibility: 'anonymous',
        status: 'active',
        version: 1,
        matchedVersion: 0,
        matchingPending: true,
        location: { latitude: 51.33, longitude: 3.83, country: 'NL', hasQuay: true, hasRail: false },
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const job = await matchJob(res.body.id, 1);
      expect(job?.data).toEqual({ streamId: res.body.id, version: 1 });
      const [row] = await api.db.query(`SELECT version, matched_version, status FROM streams WHERE id = $1`, [
        res.body.id,
      ]);
      expect(row).toEqual({ version: 1, matched_version: 0, status: 'active' });
    });

    it('shows the quality block under its category name, and materials with their legal status', async () => {
      const slag = await createStream(api, w.users.officerA.token, slagSupply(w.siteA));
      expect(slag).toMatchObject({
        material: { materialType: 'blast_furnace_slag', ewcCode: '10 02 02', hazardous: false },
        regulatoryStatus: 'by_product',
        annualQuantity: { amount: 1200, unit: 't/yr' },
      });
      const demand = await createStream(api, w.users.officerA.token, co2Demand(w.siteA));
      expect(demand).toMatchObject({ co2: { purityPct: 99 }, currentSource: 'gas_combustion_co2' });
      expect(demand).not.toHaveProperty('currentHandling');
      expect(demand).not.toHaveProperty('regulatoryStatus');
      expect(demand).not.toHaveProperty('heat');
    });

    it('creates a draft clean (nothing to match) and enqueues nothing', async () => {
      const draft = await createStream(api, w.users.officerA.token, heatSupply(w.siteA, { status: 'draft' }));
      expect(draft).toMatchObject({ status: 'draft', version: 1, matchedVersion: 1, matchingPending: false });
      expect(await matchJob(draft.id, 1)).toBeUndefined();
    });

    it.each([
      ['heat', 'MWh/yr', 1234.5, undefined, 1234.5, 'MWh/yr'],
      ['heat', 'GWh/yr', 2.5, undefined, 2500, 'MWh/yr'],
      ['heat', 'GJ/yr', 36000, undefined, 10000, 'MWh/yr'],
      ['heat', 'TJ/yr', 36, undefined, 10000, 'MWh/yr'],
      ['heat', 'MW', 25, 2700, 67500, 'MWh/yr'],
      ['co2', 't/yr', 55000, undefined, 55000, 't/yr'],
      ['co2', 'kt/yr', 70, undefined, 70000, 't/yr'],
      ['hydrogen', 'kt/yr', 4.5, undefined, 4500, 't/yr'],
      ['material', 'kt/yr', 300, undefined, 300000, 't/yr'],
      ['water', 'm3/yr', 2000000, undefined, 2000000, 'm3/yr'],
    ] as const)(
      'converts %s %s (%d, FLH %s) to %d %s',
      async (category, unit, amount, fullLoadHours, expected, canonical) => {
        const quantity = { amount, unit, ...(fullLoadHours ? { fullLoadHours } : {}) };
        const blocks = {
          heat: { heat: { temperatureC: 90, medium: 'hot_water' }, currentHandling: 'cooling_tower' },
          co2: { co2: { purityPct: 99 }, currentHandling: 'vented' },
          hydrogen: { hydrogen: { purityPct: 99.9 }, currentHandling: 'flared' },
          material: {
            material: { materialType: 'gypsum' },
            regulatoryStatus: 'by_product',
            currentHandling: 'landfill',
          },
          water: { water: { quality: 'cooling_water' }, currentHandling: 'discharged' },
        }[category];
        const body = {
          siteId: w.siteA,
          direction: 'supply',
          category,
          title: `${category} ${unit}`,
          quantity,
          ...blocks,
        };
        const created = await createStream(api, w.users.officerA.token, body);
        expect(created.quantity).toEqual(quantity);
        expect(created.annualQuantity).toEqual({ amount: expected, unit: canonical });
        const [row] = await api.db.query(
          `SELECT annual_quantity, canonical_unit FROM streams WHERE id = $1`,
          [created.id],
        );
        expect(row).toEqual({ annual_quantity: expected, canonical_unit: canonical });
      },
    );

    it('lets a coordinator list on any company’s site; the stream belongs to the site’s company', async () => {
      const s = await createStream(api, w.users.coordinator.token, heatSupply(w.siteB));
      expect(s).toMatchObject({ siteId: w.siteB, companyId: w.companyB });
    });

    it('denies province users (403) and anonymous callers (401), writing nothing', async () => {
      const before = await streamCount(api.db);
      await request(api.url)
        .post(`${API}/streams`)
        .set(bearer(w.users.province.token))
        .send(heatSupply(w.siteA))
        .expect(403);
      await request(api.url).post(`${API}/streams`).send(heatSupply(w.siteA)).expect(401);
      expect(await streamCount(api.db)).toBe(before);
    });
  });

  describe('GET /streams and /streams/:id', () => {
    let own: { id: string };
    let foreign: { id: string };
    beforeAll(async () => {
      own = await createStream(api, w.users.officerA.token, co2Demand(w.siteA2, { title: 'Listed A' }));
      foreign = await createStream(api, w.users.officerB.token, heatSupply(w.siteB, { title: 'Listed B' }));
    });

    it('shows a stream to its company, coordinators and admins; another company gets a 404', async () => {
      for (const who of ['officerA', 'coordinator', 'admin'] as const) {
        const res = await request(api.url)
          .get(`${API}/streams/${own.id}`)
          .set(bearer(w.users[who].token))
          .expect(200);
        expect(res.body.id).toBe(own.id);
      }
      const res = await request(api.url)
        .get(`${API}/streams/${own.id}`)
        .set(bearer(w.users.officerB.token))
        .expect(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND', message: 'Stream not found' });
      await request(api.url).get(`${API}/streams/${own.id}`).set(bearer(w.users.province.token)).expect(403);
      await request(api.url).get(`${API}/streams/not-a-uuid`).set(bearer(w.users.officerA.token)).expect(404);
    });

    it('lists only the officer’s company, newest first, with filters and pagination', async () => {
      const res = await request(api.url)
        .get(`${API}/streams?pageSize=100`)
        .set(bearer(w.users.officerA.token))
        .expect(200);
      expect(res.body).toMatchObject({ page: 1, pageSize: 100, total: expect.any(Number) });
      const ids = (res.body.items as { id: string; companyId: string }[]).map((s) => s.id);
      expect(ids).toContain(own.id);
      expect(ids).not.toContain(foreign.id);
      expect(new Set(res.body.items.map((s: { companyId: string }) => s.companyId))).toEqual(
        new Set([w.companyA]),
      );
      const created = (res.body.items as { createdAt: string }[]).map((s) => s.createdAt);
      expect([...created].sort().reverse()).toEqual(created);

      const filtered = await request(api.url)
        .get(`${API}/streams?direction=demand&category=co2&status=active&siteId=${w.siteA2}`)
        .set(bearer(w.users.officerA.token))
        .expect(200);
      expect(filtered.body.items.map((s: { id: string }) => s.id)).toEqual([own.id]);
      expect(filtered.body.total).toBe(1);

      const foreignFilter = await request(api.url)
        .get(`${API}/streams?companyId=${w.companyB}`)
        .set(bearer(w.users.officerA.token))
        .expect(200);
      expect(foreignFilter.body).toMatchObject({ items: [], total: 0 });

      const page2 = await request(api.url)
        .get(`${API}/streams?pageSize=1&page=2&companyId=${w.companyA}`)
        .set(bearer(w.users.coordinator.token))
        .expect(200);
      expect(page2.body).toMatchObject({ page: 2, pageSize: 1, total: res.body.total });
      expect(page2.body.items).toHaveLength(1);
      expect(page2.body.items[0].id).toBe(ids[1]);
    });

    it('lists every company for a coordinator', async () => {
      const res = await request(api.url)
        .get(`${API}/streams?pageSize=100&siteId=${w.siteB}`)
        .set(bearer(w.users.coordinator.token))
        .expect(200);
      expect(res.body.items.map((s: { id: string }) => s.id)).toContain(foreign.id);
    });
  });

  describe('PATCH /streams/:id: versions', () => {
    let stream: { id: string; version: number };
    beforeAll(async () => {
      stream = await createStream(
        api,
        w.users.officerA.token,
        heatSupply(w.siteA, { title: 'Versioned heat', quantity: { amount: 1000, unit: 'MWh/yr' } }),
      );
    });

    // Applied in order to one stream; `bumps` says whether the change can affect matching.
    const STEPS: [name: string, patch: Record<string, unknown>, bumps: boolean][] = [
      ['title', { title: 'Renamed heat' }, false],
      ['description', { description: 'More words' }, false],
      ['visibility', { visibility: 'named' }, false],
      ['same quantity in another unit', { quantity: { amount: 3600, unit: 'GJ/yr' } }, false],
      ['nothing at all', { title: 'Renamed heat' }, false],
      ['quantity', { quantity: { amount: 2, unit: 'GWh/yr' } }, true],
      ['quality', { heat: { temperatureC: 120, medium: 'steam', pressureBar: 3 } }, true],
      ['counterfactual', { currentHandling: 'vented' }, true],
      ['availability', { availableUntil: '2040-12-31' }, true],
      ['distance', { maxDistanceKm: 15 }, true],
      ['distance cleared', { maxDistanceKm: null }, true],
      ['site (moves the copied facts)', { siteId: '<siteA2>' }, true],
      ['title and quantity together', { title: 'Both', quantity: { amount: 3, unit: 'GWh/yr' } }, true],
    ];

    it.each(
      STEPS.map(
        ([name, patch, bumps]) =>
          [`${name}: ${bumps ? 'bumps' : 'keeps'} the version`, patch, bumps] as const,
      ),
    )('%s', async (name, patch, bumps) => {
      const body = { ...patch, ...(patch.siteId ? { siteId: w.siteA2 } : {}), version: stream.version };
      const before = await api.db.query(`SELECT updated_at FROM streams WHERE id = $1`, [stream.id]);
      const res = await request(api.url)
        .patch(`${API}/streams/${stream.id}`)
        .set(bearer(w.users.officerA.token))
        .send(body)
        .expect(200);
      expect(res.body.version).toBe(stream.version + (bumps ? 1 : 0));
      for (const [key, value] of Object.entries(body)) {
        if (key !== 'version' && key !== 'heat' && value !== null) expect(res.body[key]).toEqual(value);
      }
      if (bumps) {
        expect(res.body.matchingPending).toBe(true);
        expect((await matchJob(stream.id, res.body.version))?.data).toEqual({
          streamId: stream.id,
          version: res.body.version,
        });
      }
      if (name.startsWith('nothing at all')) {
        expect(await api.db.query(`SELECT updated_at FROM streams WHERE id = $1`, [stream.id])).toEqual(
          before,
        );
      }
      if (patch.siteId) {
        expect(res.body.location).toEqual({
          latitude: 51.2,
          longitude: 3.81,
          country: 'BE',
          hasQuay: false,
          hasRail: true,
        });
      }
      stream = res.body;
    });

    it('answers a stale version with 409 VERSION_CONFLICT and changes nothing', async () => {
      const before = await api.db.query(`SELECT * FROM streams WHERE id = $1`, [stream.id]);
      const res = await request(api.url)
        .patch(`${API}/streams/${stream.id}`)
        .set(bearer(w.users.officerA.token))
        .send({ version: stream.version - 1, title: 'Lost update' })
        .expect(409);
      expect(res.body.code).toBe('VERSION_CONFLICT');
      expect(await api.db.query(`SELECT * FROM streams WHERE id = $1`, [stream.id])).toEqual(before);
    });

    it('hides another company’s stream from PATCH (404)', async () => {
      await request(api.url)
        .patch(`${API}/streams/${stream.id}`)
        .set(bearer(w.users.officerB.token))
        .send({ version: stream.version, title: 'Mine now' })
        .expect(404);
    });

    it('refuses a coordinator moving a stream to another company’s site', async () => {
      const res = await request(api.url)
        .patch(`${API}/streams/${stream.id}`)
        .set(bearer(w.users.coordinator.token))
        .send({ version: stream.version, siteId: w.siteB })
        .expect(400);
      expect(res.body.errors).toHaveProperty(['siteId']);
    });
  });

  describe('site facts', () => {
    it('follows a site edit through PATCH /sites/:id: facts rewritten, version bumped (drafts stay clean)', async () => {
      const [site] = await api.db.query(
        `INSERT INTO sites (company_id, name, latitude, longitude, region, country, municipality, has_quay, has_rail)
         VALUES ($1, 'Moving site', 51.1, 3.77, 'BE-VOV', 'BE', 'Gent', false, false) RETURNING id`,
        [w.companyA],
      );
      const active = await createStream(api, w.users.officerA.token, heatSupply(site.id));
      const draft = await createStream(api, w.users.officerA.token, co2Demand(site.id, { status: 'draft' }));
      await request(api.url)
        .patch(`${API}/sites/${site.id}`)
        .set(bearer(w.users.officerA.token))
        .send({ hasRail: true, latitude: 51.12 })
        .expect(200);
      const rows = await api.db.query(
        `SELECT id, version, matched_version, latitude, has_rail FROM streams WHERE site_id = $1 ORDER BY id`,
        [site.id],
      );
      expect(rows).toEqual(
        expect.arrayContaining([
          { id: active.id, version: 2, matched_version: 0, latitude: 51.12, has_rail: true },
          { id: draft.id, version: 2, matched_version: 2, latitude: 51.12, has_rail: true },
        ]),
      );
      // A name change is not a location change: no bump.
      await request(api.url)
        .patch(`${API}/sites/${site.id}`)
        .set(bearer(w.users.officerA.token))
        .send({ name: 'Renamed site' })
        .expect(200);
      const [after] = await api.db.query(`SELECT version FROM streams WHERE id = $1`, [active.id]);
      expect(after.version).toBe(2);
    });

    it('StreamsService.refreshSiteFacts rewrites facts in the caller’s transaction and reports dirty streams', async () => {
      const [site] = await api.db.query(
        `INSERT INTO sites (company_id, name, latitude, longitude, region, country, municipality, has_quay, has_rail)
         VALUES ($1, 'Service site', 51.33, 3.83, 'NL-ZE', 'NL', 'Terneuzen', false, false) RETURNING id`,
        [w.companyA],
      );
      const s = await createStream(api, w.users.officerA.token, heatSupply(site.id));
      const service = api.app.get(StreamsService);
      const result = await api.db.transaction(async (m) => {
        await m.query(`UPDATE sites SET has_quay = true WHERE id = $1`, [site.id]);
        return service.refreshSiteFacts(site.id, m);
      });
      expect(result).toEqual([{ streamId: s.id, version: 2 }]);
      // Nothing changed since: a second refresh is a no-op.
      expect(await api.db.transaction((m) => service.refreshSiteFacts(site.id, m))).toEqual([]);
    });
  });

  describe('GET /material-types', () => {
    it('serves the taxonomy (with EWC codes) to any signed-in user, equal to the engine’s', async () => {
      for (const who of ['officerA', 'province', 'coordinator'] as const) {
        const res = await request(api.url)
          .get(`${API}/material-types`)
          .set(bearer(w.users[who].token))
          .expect(200);
        expect(res.body.total).toBe(Object.keys(MATERIAL_TAXONOMY).length);
        expect(res.body.items).toEqual(
          Object.values(MATERIAL_TAXONOMY)
            .map((t) => ({
              id: t.id,
              label: t.label,
              ewcCodes: [...t.ewcCodes],
              hazardousDefault: t.hazardousDefault,
            }))
            .sort((a, b) => (a.id < b.id ? -1 : 1)),
        );
      }
      await request(api.url).get(`${API}/material-types`).expect(401);
    });
  });

  describe('with Redis down', () => {
    let offline: ApiHarness;
    beforeAll(async () => {
      offline = await startStreamsApi({ REDIS_URL: 'redis://127.0.0.1:6399' });
    });
    afterAll(async () => offline?.close());

    it('still saves the stream (dirty, for the sweeper) and answers 201', async () => {
      const started = Date.now();
      const res = await request(offline.url)
        .post(`${API}/streams`)
        .set(bearer(w.users.officerA.token))
        .send(heatSupply(w.siteA, { title: 'Saved while Redis is down' }))
        .expect(201);
      expect(Date.now() - started).toBeLessThan(5000);
      const [row] = await api.db.query(`SELECT version, matched_version FROM streams WHERE id = $1`, [
        res.body.id,
      ]);
      expect(row).toEqual({ version: 1, matched_version: 0 });
    });
  });
});
