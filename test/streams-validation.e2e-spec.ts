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

/**
 * Bad input: every case is answered 400 (404 for a site that is not the caller's) with the offending
 * field path in `errors`, and nothing is written.
 */
describe('streams: bad payloads (real Postgres)', () => {
  let api: ApiHarness;
  let w: StreamWorld;
  beforeAll(async () => {
    api = await startStreamsApi();
    w = await createStreamWorld(api);
  });
  afterAll(async () => api?.close());

  const heat = (o: Record<string, unknown> = {}) => heatSupply(w.siteA, o);
  const slag = (o: Record<string, unknown> = {}) => slagSupply(w.siteA, o);
  const co2 = (o: Record<string, unknown> = {}) => co2Demand(w.siteA, o);
  const without = (body: Record<string, unknown>, key: string) => {
    const copy = { ...body };
    delete copy[key];
    return copy;
  };

  type Case = [name: string, body: () => Record<string, unknown>, path: string, status?: number];
  const CREATE_CASES: Case[] = [
    // site
    ['siteId missing', () => without(heat(), 'siteId'), 'siteId'],
    ['siteId not a UUID', () => heat({ siteId: 'site-1' }), 'siteId'],
    ['siteId of another company', () => heat({ siteId: w.siteB }), 'siteId', 404],
    ['siteId unknown', () => heat({ siteId: '00000000-0000-4000-8000-000000000000' }), 'siteId', 404],
    // enums
    ['direction unknown', () => heat({ direction: 'both' }), 'direction'],
    ['category unknown', () => heat({ category: 'steam' }), 'category'],
    ['visibility unknown', () => heat({ visibility: 'public' }), 'visibility'],
    ['status paused on create', () => heat({ status: 'paused' }), 'status'],
    ['status expired on create', () => heat({ status: 'expired' }), 'status'],
    ['status null', () => heat({ status: null }), 'status'],
    // strings
    ['title missing', () => without(heat(), 'title'), 'title'],
    ['title empty', () => heat({ title: '   ' }), 'title'],
    ['title too long', () => heat({ title: 'x'.repeat(201) }), 'title'],
    ['title not a string', () => heat({ title: 42 }), 'title'],
    ['title with a control character', () => heat({ title: 'heat\u0007' }), 'title'],
    ['description too long', () => heat({ description: 'd'.repeat(5001) }), 'description'],
    ['description not a string', () => heat({ description: ['a'] }), 'description'],
    ['description with NUL', () => heat({ description: 'a\u0000b' }), 'description'],
    // quantity
    ['quantity missing', () => without(heat(), 'quantity'), 'quantity'],
    ['quantity a number', () => heat({ quantity: 500 }), 'quantity'],
    ['amount a string', () => heat({ quantity: { amount: '500', unit: 'MWh/yr' } }), 'quantity.amount'],
    ['amount zero', () => heat({ quantity: { amount: 0, unit: 'MWh/yr' } }), 'quantity.amount'],
    ['amount negative', () => heat({ quantity: { amount: -5, unit: 'MWh/yr' } }), 'quantity.amount'],
    ['amount absurd', () => heat({ quantity: { amount: 1e13, unit: 'MWh/yr' } }), 'quantity.amount'],
    [
      'heat over 1e8 MWh/yr',
      () => heat({ quantity: { amount: 100_001, unit: 'GWh/yr' } }),
      'quantity.amount',
    ],
    ['mass over 1e8 t/yr', () => co2({ quantity: { amount: 100_001, unit: 'kt/yr' } }), 'quantity.amount'],
    ['unit unknown', () => heat({ quantity: { amount: 5, unit: 'TWh/yr' } }), 'quantity.unit'],
    ['unit of mass on heat', () => heat({ quantity: { amount: 5, unit: 't/yr' } }), 'quantity.unit'],
    ['unit of energy on co2', () => co2({ quantity: { amount: 5, unit: 'MWh/yr' } }), 'quantity.unit'],
    ['unit of mass on water', () => waterSupply({ quantity: { amount: 5, unit: 't/yr' } }), 'quantity.unit'],
    [
      'MW without fullLoadHours',
      () => heat({ quantity: { amount: 25, unit: 'MW' } }),
      'quantity.fullLoadHours',
    ],
    [
      'fullLoadHours over a year',
      () => heat({ quantity: { amount: 25, unit: 'MW', fullLoadHours: 9000 } }),
      'quantity.fullLoadHours',
    ],
    [
      'fullLoadHours with MWh/yr',
      () => heat({ quantity: { amount: 25, unit: 'MWh/yr', fullLoadHours: 100 } }),
      'quantity.fullLoadHours',
    ],
    [
      'quantity unknown property',
      () => heat({ quantity: { amount: 5, unit: 'MWh/yr', per: 'year' } }),
      'quantity.per',
    ],
    // quality blocks
    ['heat block missing', () => without(heat(), 'heat'), 'heat'],
    ['co2 block on a heat stream', () => heat({ co2: { purityPct: 99 } }), 'co2'],
    ['heat block an array', () => heat({ heat: [{ temperatureC: 95, medium: 'hot_water' }] }), 'heat'],
    [
      'temperature too hot',
      () => heat({ heat: { temperatureC: 1600, medium: 'steam' } }),
      'heat.temperatureC',
    ],
    [
      'temperature too cold',
      () => heat({ heat: { temperatureC: -60, medium: 'hot_water' } }),
      'heat.temperatureC',
    ],
    [
      'temperature a string',
      () => heat({ heat: { temperatureC: '95', medium: 'hot_water' } }),
      'heat.temperatureC',
    ],
    ['medium unknown', () => heat({ heat: { temperatureC: 95, medium: 'plasma' } }), 'heat.medium'],
    [
      'return not below supply',
      () => heat({ heat: { temperatureC: 95, medium: 'hot_water', returnTemperatureC: 95 } }),
      'heat.returnTemperatureC',
    ],
    [
      'pressure negative',
      () => heat({ heat: { temperatureC: 95, medium: 'steam', pressureBar: -1 } }),
      'heat.pressureBar',
    ],
    [
      'heat unknown property',
      () => heat({ heat: { temperatureC: 95, medium: 'hot_water', colour: 'red' } }),
      'heat.colour',
    ],
    ['purity over 100', () => co2({ co2: { purityPct: 101 } }), 'co2.purityPct'],
    ['purity zero', () => co2({ co2: { purityPct: 0 } }), 'co2.purityPct'],
    ['co2 phase unknown', () => co2({ co2: { purityPct: 99, phase: 'plasma' } }), 'co2.phase'],
    ['heat block on a co2 stream', () => co2({ heat: { temperatureC: 95, medium: 'hot_water' } }), 'heat'],
    ['hydrogen purity negative', () => hydrogenDemand({ hydrogen: { purityPct: -1 } }), 'hydrogen.purityPct'],
    [
      'material type unknown',
      () => slag({ material: { materialType: 'unobtainium' } }),
      'material.materialType',
    ],
    [
      'EWC code without spaces',
      () => slag({ material: { materialType: 'blast_furnace_slag', ewcCode: '100202' } }),
      'material.ewcCode',
    ],
    [
      'EWC code with two stars',
      () => slag({ material: { materialType: 'fly_ash', ewcCode: '10 01 16**' } }),
      'material.ewcCode',
    ],
    [
      'hazardous not a boolean',
      () => slag({ material: { materialType: 'fly_ash', hazardous: 'yes' } }),
      'material.hazardous',
    ],
    [
      'hazardous EWC code marked safe',
      () => slag({ material: { materialType: 'fly_ash', ewcCode: '10 01 16*', hazardous: false } }),
      'material.hazardous',
    ],
    ['water quality unknown', () => waterSupply({ water: { quality: 'muddy' } }), 'water.quality'],
    // counterfactual
    ['supply without currentHandling', () => without(heat(), 'currentHandling'), 'currentHandling'],
    ['supply with currentSource', () => heat({ currentSource: 'natural_gas_boiler' }), 'currentSource'],
    ['demand without currentSource', () => without(co2(), 'currentSource'), 'currentSource'],
    ['demand with currentHandling', () => co2({ currentHandling: 'vented' }), 'currentHandling'],
    ['currentHandling unknown', () => heat({ currentHandling: 'buried' }), 'currentHandling'],
    ['currentSource of another category', () => co2({ currentSource: 'smr_hydrogen' }), 'currentSource'],
    // materials' legal status
    [
      'material supply without regulatoryStatus',
      () => without(slag(), 'regulatoryStatus'),
      'regulatoryStatus',
    ],
    ['regulatoryStatus unknown', () => slag({ regulatoryStatus: 'trash' }), 'regulatoryStatus'],
    ['regulatoryStatus on heat', () => heat({ regulatoryStatus: 'waste' }), 'regulatoryStatus'],
    [
      'waste without an EWC code',
      () => slag({ regulatoryStatus: 'waste', material: { materialType: 'blast_furnace_slag' } }),
      'material.ewcCode',
    ],
    // availability and distance
    ['availableFrom not a date', () => heat({ availableFrom: '2026-02-30' }), 'availableFrom'],
    ['availableFrom in another format', () => heat({ availableFrom: '01/02/2027' }), 'availableFrom'],
    [
      'availableUntil before availableFrom',
      () => heat({ availableFrom: '2031-01-01', availableUntil: '2030-12-31' }),
      'availableUntil',
    ],
    ['availableUntil in the past', () => heat({ availableUntil: '2020-12-31' }), 'availableUntil'],
    ['maxDistanceKm zero', () => heat({ maxDistanceKm: 0 }), 'maxDistanceKm'],
    ['maxDistanceKm too far', () => heat({ maxDistanceKm: 5000 }), 'maxDistanceKm'],
    ['maxDistanceKm a string', () => heat({ maxDistanceKm: '10' }), 'maxDistanceKm'],
    // shape
    ['unknown property', () => heat({ price: 10 }), 'price'],
    ['version on create', () => heat({ version: 1 }), 'version'],
    ['id on create', () => heat({ id: '00000000-0000-4000-8000-000000000000' }), 'id'],
  ];

  function waterSupply(o: Record<string, unknown> = {}) {
    return heatSupply(w.siteA, {
      category: 'water',
      heat: undefined,
      title: 'Cooling water',
      quantity: { amount: 100000, unit: 'm3/yr' },
      water: { quality: 'cooling_water' },
      currentHandling: 'discharged',
      ...o,
    });
  }

  function hydrogenDemand(o: Record<string, unknown> = {}) {
    return co2Demand(w.siteA, {
      category: 'hydrogen',
      co2: undefined,
      title: 'Hydrogen',
      quantity: { amount: 500, unit: 't/yr' },
      hydrogen: { purityPct: 99.9 },
      currentSource: 'smr_hydrogen',
      ...o,
    });
  }

  it('has a table of at least 40 bad create payloads', () => {
    expect(CREATE_CASES.length).toBeGreaterThanOrEqual(40);
  });

  it('accepts the valid bases the table varies', async () => {
    for (const body of [heat(), slag(), co2(), waterSupply(), hydrogenDemand()]) {
      await createStream(api, w.users.officerA.token, body);
    }
  });

  it.each(CREATE_CASES)('POST /streams: %s → %s', async (_name, body, path, status = 400) => {
    const before = await streamCount(api.db);
    const res = await request(api.url)
      .post('/api/v1/streams')
      .set(bearer(w.users.officerA.token))
      .send(body());
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(status === 400 ? 'VALIDATION_FAILED' : 'NOT_FOUND');
    expect(res.body.errors).toHaveProperty([path]);
    expect(await streamCount(api.db)).toBe(before);
  });

  it('rejects a malformed Idempotency-Key before writing', async () => {
    const before = await streamCount(api.db);
    const res = await request(api.url)
      .post('/api/v1/streams')
      .set(bearer(w.users.officerA.token))
      .set('Idempotency-Key', 'k'.repeat(256))
      .send(heat());
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveProperty(['Idempotency-Key']);
    expect(await streamCount(api.db)).toBe(before);
  });

  it('reports every field-level problem of one payload at once', async () => {
    const res = await request(api.url)
      .post('/api/v1/streams')
      .set(bearer(w.users.officerA.token))
      .send(
        heat({
          title: '',
          quantity: { amount: -1, unit: 'MWh/yr' },
          heat: { temperatureC: 2000, medium: 'x' },
        }),
      )
      .expect(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(
      ['heat.medium', 'heat.temperatureC', 'quantity.amount', 'title'].sort(),
    );
  });

  describe('PATCH /streams/:id', () => {
    let stream: { id: string; version: number };
    let material: { id: string; version: number };
    beforeAll(async () => {
      stream = await createStream(api, w.users.officerA.token, heat({ availableFrom: '2030-01-01' }));
      material = await createStream(api, w.users.officerA.token, slag());
    });

    const PATCH_CASES: [name: string, body: () => Record<string, unknown>, path: string, status?: number][] =
      [
        ['version missing', () => ({ title: 'x' }), 'version'],
        ['version not an integer', () => ({ version: '1', title: 'x' }), 'version'],
        ['direction change', () => ({ version: 1, direction: 'demand' }), 'direction'],
        ['category change', () => ({ version: 1, category: 'co2' }), 'category'],
        ['co2 block on the heat stream', () => ({ version: 1, co2: { purityPct: 99 } }), 'co2'],
        ['heat block cleared', () => ({ version: 1, heat: null }), 'heat'],
        ['heat block incomplete', () => ({ version: 1, heat: { temperatureC: 90 } }), 'heat.medium'],
        [
          'unit of mass on heat',
          () => ({ version: 1, quantity: { amount: 5, unit: 't/yr' } }),
          'quantity.unit',
        ],
        ['quantity without unit', () => ({ version: 1, quantity: { amount: 5 } }), 'quantity.unit'],
        [
          'currentSource on a supply',
          () => ({ version: 1, currentSource: 'natural_gas_boiler' }),
          'currentSource',
        ],
        ['title null', () => ({ version: 1, title: null }), 'title'],
        [
          'availableUntil before the stored availableFrom',
          () => ({ version: 1, availableUntil: '2029-12-31' }),
          'availableUntil',
        ],
        [
          'regulatoryStatus on heat',
          () => ({ version: 1, regulatoryStatus: 'by_product' }),
          'regulatoryStatus',
        ],
        ['site of another company', () => ({ version: 1, siteId: w.siteB }), 'siteId', 404],
        ['unknown property', () => ({ version: 1, colour: 'red' }), 'colour'],
      ];

    it.each(PATCH_CASES)('%s → %s', async (_name, body, path, status = 400) => {
      const before = await api.db.query(`SELECT * FROM streams WHERE id = $1`, [stream.id]);
      const res = await request(api.url)
        .patch(`/api/v1/streams/${stream.id}`)
        .set(bearer(w.users.officerA.token))
        .send(body());
      expect(res.status).toBe(status);
      expect(res.body.errors).toHaveProperty([path]);
      expect(await api.db.query(`SELECT * FROM streams WHERE id = $1`, [stream.id])).toEqual(before);
    });

    it.each([
      ['material supply losing its legal status', { regulatoryStatus: null }, 'regulatoryStatus'],
      [
        'hazardous EWC code marked safe',
        { material: { materialType: 'fly_ash', ewcCode: '10 01 16*', hazardous: false } },
        'material.hazardous',
      ],
      [
        'waste without an EWC code',
        { regulatoryStatus: 'waste', material: { materialType: 'gypsum' } },
        'material.ewcCode',
      ],
    ])('material: %s → %s', async (_name, patch, path) => {
      const before = await api.db.query(`SELECT * FROM streams WHERE id = $1`, [material.id]);
      const res = await request(api.url)
        .patch(`/api/v1/streams/${material.id}`)
        .set(bearer(w.users.officerA.token))
        .send({ version: material.version, ...patch })
        .expect(400);
      expect(res.body.errors).toHaveProperty([path]);
      expect(await api.db.query(`SELECT * FROM streams WHERE id = $1`, [material.id])).toEqual(before);
    });
  });

  it.each([
    ['status expired', { status: 'expired' }, 'status'],
    ['status draft', { status: 'draft' }, 'status'],
    ['status missing', {}, 'status'],
    ['version not an integer', { status: 'paused', version: 1.5 }, 'version'],
    ['unknown property', { status: 'paused', reason: 'x' }, 'reason'],
  ])('POST /streams/:id/status: %s → %s', async (_name, body, path) => {
    const s = await createStream(api, w.users.officerA.token, heat());
    const res = await request(api.url)
      .post(`/api/v1/streams/${s.id}/status`)
      .set(bearer(w.users.officerA.token))
      .send(body)
      .expect(400);
    expect(res.body.errors).toHaveProperty([path]);
    const [row] = await api.db.query(`SELECT status, version FROM streams WHERE id = $1`, [s.id]);
    expect(row).toEqual({ status: 'active', version: 1 });
  });

  it.each([
    ['pageSize over 100', 'pageSize=101', 'pageSize'],
    ['page zero', 'page=0', 'page'],
    ['direction unknown', 'direction=sideways', 'direction'],
    ['status unknown', 'status=deleted', 'status'],
    ['siteId not a UUID', 'siteId=abc', 'siteId'],
    ['companyId not a UUID', 'companyId=abc', 'companyId'],
    ['unknown filter', 'colour=red', 'colour'],
  ])('GET /streams?%s → %s', async (_name, query, path) => {
    const res = await request(api.url)
      .get(`/api/v1/streams?${query}`)
      .set(bearer(w.users.coordinator.token))
      .expect(400);
    expect(res.body.errors).toHaveProperty([path]);
  });
});
