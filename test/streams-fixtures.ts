import { JobQueue, QueueName } from '@symbiose/core';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { bearer, createCompanies, createSites, createUsers, SITE_LOCATIONS, tokenFor } from './factories';
import { ApiHarness, startApi } from './support/api-harness';

export { bearer };

/**
 * The stream suites enqueue match-stream jobs on a queue prefix of their own and delete it when
 * done, so no other suite's worker picks up jobs for streams it did not create.
 */
export async function startStreamsApi(overrides: Record<string, string> = {}): Promise<ApiHarness> {
  const api = await startApi({
    QUEUE_PREFIX: `{symbiose-test-streams-${process.env.JEST_WORKER_ID ?? '0'}}`,
    ...overrides,
  });
  if (overrides.REDIS_URL) return api; // an API without a reachable Redis enqueued nothing
  const close = api.close;
  api.close = async () => {
    await api.app.get(JobQueue).queue(QueueName.Matching).obliterate({ force: true });
    await close();
  };
  return api;
}

/** Two companies (A with two sites, B with one) and one user of every role, each with a bearer token. */
export interface StreamWorld {
  companyA: string;
  companyB: string;
  siteA: string;
  siteA2: string;
  siteB: string;
  users: Record<StreamRole, { id: string; token: string }>;
}

export type StreamRole = 'admin' | 'coordinator' | 'officerA' | 'officerB' | 'province';

/** Built with the identity factories; site A lies in Terneuzen (quay), site A2 in Zelzate (rail). */
export async function createStreamWorld(api: ApiHarness): Promise<StreamWorld> {
  const { db } = api;
  const [companyA, companyB] = await createCompanies(db, [
    { name: 'Streams test A', country: 'NL' },
    { name: 'Streams test B', country: 'BE' },
  ]);
  const [siteA, siteA2, siteB] = await createSites(db, [
    { companyId: companyA.id, name: 'A main', ...SITE_LOCATIONS.terneuzen, hasQuay: true },
    { companyId: companyA.id, name: 'A second', ...SITE_LOCATIONS.zelzate, hasRail: true },
    { companyId: companyB.id, name: 'B main', ...SITE_LOCATIONS.gent },
  ]);
  const [admin, coordinator, officerA, officerB, province] = await createUsers(db, [
    { role: 'admin' },
    { role: 'coordinator' },
    { role: 'officer', companyId: companyA.id },
    { role: 'officer', companyId: companyB.id },
    { role: 'province', region: 'BE-VOV' },
  ]);
  const users = Object.fromEntries(
    Object.entries({ admin, coordinator, officerA, officerB, province }).map(([role, u]) => [
      role,
      { id: u.id, token: tokenFor(api, u) },
    ]),
  ) as StreamWorld['users'];
  return {
    companyA: companyA.id,
    companyB: companyB.id,
    siteA: siteA.id,
    siteA2: siteA2.id,
    siteB: siteB.id,
    users,
  };
}

/** A valid heat supply on `siteId`; override any field. */
export function heatSupply(siteId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    siteId,
    direction: 'supply',
    category: 'heat',
    title: 'Low-grade process heat',
    quantity: { amount: 500000, unit: 'MWh/yr' },
    heat: { temperatureC: 95, medium: 'hot_water' },
    currentHandling: 'cooling_tower',
    ...overrides,
  };
}

/** A valid heat demand on `siteId` that a `heatSupply` nearby can serve; override any field. */
export function heatDemand(siteId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    siteId,
    direction: 'demand',
    category: 'heat',
    title: 'Greenhouse heating',
    quantity: { amount: 80000, unit: 'MWh/yr' },
    heat: { temperatureC: 70, medium: 'hot_water' },
    currentSource: 'natural_gas_boiler',
    ...overrides,
  };
}

/** A valid material supply (slag) on `siteId`. */
export function slagSupply(siteId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    siteId,
    direction: 'supply',
    category: 'material',
    title: 'Granulated blast-furnace slag',
    quantity: { amount: 1.2, unit: 'kt/yr' },
    material: { materialType: 'blast_furnace_slag', ewcCode: '10 02 02' },
    regulatoryStatus: 'by_product',
    currentHandling: 'sold_elsewhere',
    ...overrides,
  };
}

/** A valid CO2 demand on `siteId`. */
export function co2Demand(siteId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    siteId,
    direction: 'demand',
    category: 'co2',
    title: 'CO2 for crop dosing',
    quantity: { amount: 55, unit: 'kt/yr' },
    co2: { purityPct: 99 },
    currentSource: 'gas_combustion_co2',
    ...overrides,
  };
}

export async function streamCount(db: DataSource): Promise<number> {
  const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM streams`)) as { n: number }[];
  return n;
}

/** POSTs a stream and expects 201; returns the body. */
export async function createStream(
  api: ApiHarness,
  token: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown> & { id: string; version: number }> {
  const res = await request(api.url).post('/api/v1/streams').set(bearer(token)).send(body);
  if (res.status !== 201) throw new Error(`create stream: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown> & { id: string; version: number };
}
