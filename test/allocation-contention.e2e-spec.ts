/**
 * Issue #10: where the LP plan beats the greedy one. Two heat supplies compete for a demand:
 *
 *        D2 160 °C steam, 6 000 MWh/yr
 *         | 1 km
 *        S1 200 °C steam, 10 000 MWh/yr ──── 3 km ──── D1 60 °C hot water, 15 000 MWh/yr
 *                                                      | 2 km
 *                                                      S2 70 °C hot water, 8 000 MWh/yr
 *
 * S2 cannot serve D2 (a 90 K lift is beyond a heat pump's 60 K). The single best pair is S1–D1 (the
 * largest quantity), so greedy sends all of S1 to D1 and D2 gets nothing, while S2 only fills what
 * D1 still needs. The optimum sends S1 to D2 first (shorter pipe: more CO2 per unit of S1), S2 to D1
 * in full and the rest of S1 to D1. The streams are matched by a full re-match run (POST
 * /match-runs), whose completion requests the allocation.
 */
import { INestApplicationContext } from '@nestjs/common';
import { AppConfig, JobQueue } from '@symbiose/core';
import { loadAllocationInput } from '@symbiose/domain';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { API, bearer, createCompanies, createSites, createUser, tokenFor } from './factories';
import { ApiHarness, pollUntil, startApi } from './support/api-harness';
import { isolatedConfig, obliterateQueues, startWorker } from './support/worker-harness';

interface Stream {
  key: 'S1' | 'S2' | 'D1' | 'D2';
  direction: 'supply' | 'demand';
  latitude: number;
  longitude: number;
  temperatureC: number;
  medium: 'steam' | 'hot_water';
  quantity: number;
}

// prettier-ignore
const STREAMS: Stream[] = [
  { key: 'S1', direction: 'supply', latitude: 51.1, longitude: 3.77, temperatureC: 200, medium: 'steam', quantity: 10_000 },
  { key: 'D2', direction: 'demand', latitude: 51.109, longitude: 3.77, temperatureC: 160, medium: 'steam', quantity: 6_000 },
  { key: 'D1', direction: 'demand', latitude: 51.127, longitude: 3.77, temperatureC: 60, medium: 'hot_water', quantity: 15_000 },
  { key: 'S2', direction: 'supply', latitude: 51.127, longitude: 3.8, temperatureC: 70, medium: 'hot_water', quantity: 8_000 },
];

describe('allocation: the LP plan beats greedy where supplies compete', () => {
  let config: AppConfig;
  let worker: INestApplicationContext;
  let api: ApiHarness;
  let db: DataSource;
  let coordinator: string;
  const ids = {} as Record<Stream['key'], string>;

  beforeAll(async () => {
    config = await isolatedConfig('allocation_contention');
    api = await startApi({ DATABASE_URL: config.DATABASE_URL, QUEUE_PREFIX: config.QUEUE_PREFIX });
    db = api.db;
    await obliterateQueues(api.app.get(JobQueue));
    await db.query(`TRUNCATE companies, users, match_runs, allocation_plans CASCADE`);
    const companies = await createCompanies(
      db,
      STREAMS.map(() => ({})),
    );
    const sites = await createSites(
      db,
      STREAMS.map((s, i) => ({
        companyId: companies[i].id,
        latitude: s.latitude,
        longitude: s.longitude,
        region: 'BE-VOV',
        municipality: 'Gent',
      })),
    );
    for (const [i, s] of STREAMS.entries()) {
      ids[s.key] = randomUUID();
      // Already "matched" at their version: only the full re-match below scores them.
      await db.query(
        `INSERT INTO streams (id, site_id, company_id, direction, category, title, quantity_amount, quantity_unit,
           annual_quantity, canonical_unit, quality, current_handling, current_source, status, latitude, longitude,
           country, has_quay, has_rail, version, matched_version)
         SELECT $1, si.id, si.company_id, $3, 'heat', $4, $5, 'MWh/yr', $5, 'MWh/yr', $6,
           CASE WHEN $3 = 'supply' THEN 'cooling_tower' END, CASE WHEN $3 = 'demand' THEN 'natural_gas_boiler' END,
           'active', si.latitude, si.longitude, si.country, si.has_quay, si.has_rail, 1, 1
         FROM sites si WHERE si.id = $2`,
        [
          ids[s.key],
          sites[i].id,
          s.direction,
          `Contention ${s.key}`,
          s.quantity,
          { temperatureC: s.temperatureC, medium: s.medium },
        ],
      );
    }
    worker = await startWorker(config);
    coordinator = tokenFor(api, await createUser(db, { role: 'coordinator' }));
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('a full re-match run requests the allocation; the plan serves D2 from S1 where greedy does not', async () => {
    const run = await request(api.url)
      .post(`${API}/match-runs`)
      .set(bearer(coordinator))
      .send({ reason: 'allocation contention test' })
      .expect(202);
    await pollUntil(
      async () => {
        const res = await request(api.url).get(`${API}/match-runs/${run.body.id}`).set(bearer(coordinator));
        return res.body.status === 'done';
      },
      { what: 'the match run to finish', timeoutMs: 30_000 },
    );
    const matches = (await db.query(
      `SELECT id, supply_stream_id, demand_stream_id, exchanged_quantity, co2_avoided_t, energy_saved_mwh
       FROM matches WHERE qualifies`,
    )) as {
      id: string;
      supply_stream_id: string;
      demand_stream_id: string;
      exchanged_quantity: number;
      co2_avoided_t: number;
      energy_saved_mwh: number;
    }[];
    const pair = (s: Stream['key'], d: Stream['key']) =>
      matches.find((m) => m.supply_stream_id === ids[s] && m.demand_stream_id === ids[d]);
    // Three feasible pairs; S2–D2 is rejected (lift too high).
    expect(matches).toHaveLength(3);
    const s1d1 = pair('S1', 'D1');
    const s1d2 = pair('S1', 'D2');
    const s2d1 = pair('S2', 'D1');
    if (!s1d1 || !s1d2 || !s2d1) throw new Error('expected pairs S1–D1, S1–D2 and S2–D1');
    expect(pair('S2', 'D2')).toBeUndefined();
    expect(s1d1.co2_avoided_t).toBeGreaterThan(s1d2.co2_avoided_t);
    expect(s1d1.co2_avoided_t).toBeGreaterThan(s2d1.co2_avoided_t);

    // The plan appears (debounced after the run) and was computed from these matches.
    const plan = await pollUntil(
      async () => {
        const res = await request(api.url).get(`${API}/allocation`).set(bearer(coordinator)).expect(200);
        if (!res.body.id) return null;
        const [stored] = (await db.query(`SELECT input_hash FROM allocation_plans WHERE id = $1`, [
          res.body.id,
        ])) as { input_hash: string }[];
        return stored?.input_hash === (await loadAllocationInput(db)).fingerprint ? res.body : null;
      },
      { what: 'the allocation plan', timeoutMs: 30_000, intervalMs: 250 },
    );

    const input = await loadAllocationInput(db);
    const spu = (m: { id: string }) => input.pairs.find((p) => p.id === m.id)?.supplyPerUnit ?? NaN;
    const perUnit = (m: { co2_avoided_t: number; exchanged_quantity: number }) =>
      m.co2_avoided_t / m.exchanged_quantity;
    // Per unit of S1 given up, D2 (1 km of pipe) avoids more CO2 than D1 (3 km).
    expect(perUnit(s1d2) / spu(s1d2)).toBeGreaterThan(perUnit(s1d1) / spu(s1d1));

    // The optimum: S1–D2 and S2–D1 at their pairwise quantities, the rest of S1 to D1 (D1 does not bind).
    const x12 = s1d2.exchanged_quantity;
    const x21 = s2d1.exchanged_quantity;
    const x11 = (10_000 - x12 * spu(s1d2)) / spu(s1d1);
    expect(x11 + x21).toBeLessThan(15_000);
    const items = new Map(
      (plan.items as { matchId: string; quantity: number; supplyUsed: number }[]).map((i) => [i.matchId, i]),
    );
    expect([...items.keys()].sort()).toEqual([s1d1.id, s1d2.id, s2d1.id].sort());
    expect(items.get(s1d2.id)?.quantity).toBeCloseTo(x12, 2);
    expect(items.get(s2d1.id)?.quantity).toBeCloseTo(x21, 2);
    expect(items.get(s1d1.id)?.quantity).toBeCloseTo(x11, 2);
    const optimum = x12 * perUnit(s1d2) + x21 * perUnit(s2d1) + x11 * perUnit(s1d1);
    expect(plan.plan.totals.co2AvoidedTonnesPerYear).toBeCloseTo(optimum, 2);
    // S1 is used up exactly, never beyond.
    const s1Used = (items.get(s1d1.id)?.supplyUsed ?? 0) + (items.get(s1d2.id)?.supplyUsed ?? 0);
    expect(s1Used).toBeCloseTo(10_000, 1);
    expect(s1Used).toBeLessThanOrEqual(10_000 * (1 + 1e-9));
    expect(plan.naive.totals.co2AvoidedTonnesPerYear).toBeCloseTo(
      s1d1.co2_avoided_t + s1d2.co2_avoided_t + s2d1.co2_avoided_t,
      3,
    );

    // Greedy: S1–D1 in full (S1 used up), then S2 fills what D1 still needs; S1–D2 gets nothing.
    expect(s1d1.co2_avoided_t).toBeGreaterThan(s2d1.co2_avoided_t);
    const greedyExpected = s1d1.co2_avoided_t + (15_000 - s1d1.exchanged_quantity) * perUnit(s2d1);
    expect(plan.greedy.totals.co2AvoidedTonnesPerYear).toBeCloseTo(greedyExpected, 2);
    expect(plan.plan.totals.co2AvoidedTonnesPerYear).toBeGreaterThan(
      plan.greedy.totals.co2AvoidedTonnesPerYear * 1.1,
    );
    expect(plan.plan.totals.co2AvoidedTonnesPerYear).toBeLessThan(plan.naive.totals.co2AvoidedTonnesPerYear);
    console.log(
      `contention: plan ${plan.plan.totals.co2AvoidedTonnesPerYear} t/yr, greedy ${plan.greedy.totals.co2AvoidedTonnesPerYear}, naive ${plan.naive.totals.co2AvoidedTonnesPerYear}`,
    );

    // Per stream: S1 is fully assigned (deliveries plus pipe losses) to D1 and D2; D1 receives x11 + x21.
    const s1 = await request(api.url)
      .get(`${API}/allocation/streams/${ids.S1}`)
      .set(bearer(coordinator))
      .expect(200);
    expect(
      s1.body.items.map((i: { counterpart: { streamId: string } }) => i.counterpart.streamId).sort(),
    ).toEqual([ids.D1, ids.D2].sort());
    expect(s1.body.assigned.amount).toBeCloseTo(s1Used, 6);
    expect(s1.body.share).toBeCloseTo(1, 6);
    const d1 = await request(api.url)
      .get(`${API}/allocation/streams/${ids.D1}`)
      .set(bearer(coordinator))
      .expect(200);
    expect(d1.body.assigned.amount).toBeCloseTo(x11 + x21, 2);
    expect(d1.body.stream.annualQuantity.amount).toBe(15_000);
  });
});
