/**
 * Builders for the match workflow suites: two companies with distinctive, recognisable identifying
 * strings (so a leak is easy to spot), streams inserted straight into Postgres, and matches written
 * with the matcher's own writer (upsertPairs), exactly as the worker would store them.
 */
import { rowsOf } from '@symbiose/core';
import {
  deliverQueuedProposals,
  scorePairOf,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
} from '@symbiose/domain';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { upsertPairs } from '../libs/domain/src/matching/match-writer';
import {
  API,
  bearer,
  createCompanies,
  createSites,
  createUsers,
  TestCompany,
  TestSite,
  TestUser,
  tokenFor,
  uniqueTag,
} from './factories';
import { ApiHarness, startApi } from './support/api-harness';
import { isolatedConfig } from './support/worker-harness';

export { API, bearer };

/**
 * The API on a database of the match suites' own (`symbiose_test_matches`, migrated on first use).
 * The suites pile up many heat streams within reach of each other; in the shared test database they
 * would slow down every full re-match other suites run. No worker runs there, and every suite creates
 * its own companies, so suites may run in parallel and rows are never cleaned up.
 */
export async function startMatchesApi(): Promise<ApiHarness> {
  const config = await isolatedConfig('matches');
  return startApi({ DATABASE_URL: config.DATABASE_URL, QUEUE_PREFIX: config.QUEUE_PREFIX });
}

export interface Party {
  company: TestCompany;
  site: TestSite;
  officer: TestUser;
  token: string;
}

export interface MatchWorld {
  tag: string;
  /** Company A lists supplies. */
  a: Party;
  /** Company B lists demands. */
  b: Party;
  coordinator: { user: TestUser; token: string };
  admin: { user: TestUser; token: string };
  province: { user: TestUser; token: string };
}

/**
 * Two companies whose every identifying string carries the tag: A in Gent-Zuid, B in Zelzate, about
 * 11 km apart (within heat's 25 km reach) at coordinates with many distinctive digits.
 */
export async function createMatchWorld(api: ApiHarness): Promise<MatchWorld> {
  const tag = uniqueTag();
  const [ca, cb] = await createCompanies(api.db, [
    { name: `Aurora Thermal Works ${tag}`, country: 'BE' },
    { name: `Borealis Greenhouse Holding ${tag}`, country: 'NL' },
  ]);
  const [sa, sb] = await createSites(api.db, [
    {
      companyId: ca.id,
      name: `Aurora Gent-Zuid Plant ${tag}`,
      latitude: 51.0817263,
      longitude: 3.7391847,
      region: 'BE-VOV',
      municipality: 'Gent',
    },
    {
      companyId: cb.id,
      name: `Borealis Zelzate Glasshouse ${tag}`,
      latitude: 51.1739482,
      longitude: 3.8126593,
      region: 'BE-VOV',
      municipality: 'Zelzate',
    },
  ]);
  const [oa, ob, coordinator, admin, province] = await createUsers(api.db, [
    { role: 'officer', companyId: ca.id, email: `ada.aurora.${tag}@aurora-thermal.test` },
    { role: 'officer', companyId: cb.id, email: `bert.borealis.${tag}@borealis-greenhouse.test` },
    { role: 'coordinator' },
    { role: 'admin' },
    { role: 'province', region: 'BE-VOV' },
  ]);
  return {
    tag,
    a: { company: ca, site: sa, officer: oa, token: tokenFor(api, oa) },
    b: { company: cb, site: sb, officer: ob, token: tokenFor(api, ob) },
    coordinator: { user: coordinator, token: tokenFor(api, coordinator) },
    admin: { user: admin, token: tokenFor(api, admin) },
    province: { user: province, token: tokenFor(api, province) },
  };
}

export interface StreamSpec {
  direction: 'supply' | 'demand';
  title: string;
  description?: string;
  /** MWh/yr of heat. */
  quantity?: number;
  temperatureC?: number;
  visibility?: 'anonymous' | 'named';
  status?: string;
}

/** A heat stream on the party's site (copying the site's facts like the API does). */
export async function insertHeatStream(db: DataSource, party: Party, spec: StreamSpec): Promise<string> {
  const [row] = (await db.query(
    `INSERT INTO streams (site_id, company_id, direction, category, title, description, quantity_amount,
       quantity_unit, annual_quantity, canonical_unit, quality, current_handling, current_source, visibility,
       status, latitude, longitude, country, has_quay, has_rail)
     SELECT si.id, si.company_id, $2, 'heat', $3, $4, $5, 'MWh/yr', $5, 'MWh/yr', $6::jsonb,
       CASE WHEN $2 = 'supply' THEN 'cooling_tower' END, CASE WHEN $2 = 'demand' THEN 'natural_gas_boiler' END,
       $7, $8, si.latitude, si.longitude, si.country, si.has_quay, si.has_rail
     FROM sites si WHERE si.id = $1 RETURNING id`,
    [
      party.site.id,
      spec.direction,
      spec.title,
      spec.description ?? '',
      spec.quantity ?? 10000,
      JSON.stringify({ temperatureC: spec.temperatureC ?? 95, medium: 'hot_water' }),
      spec.visibility ?? 'anonymous',
      spec.status ?? 'active',
    ],
  )) as { id: string }[];
  return row.id;
}

/** Scores the pair with the engine and stores it with the matcher's writer; returns the match id. */
export async function insertMatch(db: DataSource, supplyId: string, demandId: string): Promise<string> {
  const rows = (await db.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
    [supplyId, demandId],
  ])) as StreamRow[];
  const supply = rows.find((r) => r.id === supplyId);
  const demand = rows.find((r) => r.id === demandId);
  if (!supply || !demand) throw new Error('insertMatch: unknown stream');
  const pair = scorePairOf(toMatchable(supply), toMatchable(demand));
  if (!pair) throw new Error('insertMatch: the engine rejects this pair');
  await db.transaction((m) => upsertPairs(m, [pair]));
  // As the worker does after a matching job: announce the new proposal (queued by the trigger).
  await deliverQueuedProposals(db);
  const [match] = (await db.query(
    `SELECT id FROM matches WHERE supply_stream_id = $1 AND demand_stream_id = $2`,
    [supplyId, demandId],
  )) as { id: string }[];
  return match.id;
}

/** A supply of A and a demand of B, matched; titles and descriptions carry the world's tag. */
export async function insertMatchedPair(
  db: DataSource,
  world: MatchWorld,
  spec: { supply?: Partial<StreamSpec>; demand?: Partial<StreamSpec> } = {},
): Promise<{ matchId: string; supplyId: string; demandId: string }> {
  const n = uniqueTag();
  const supplyId = await insertHeatStream(db, world.a, {
    direction: 'supply',
    title: `Aurora condenser loop ${world.tag} ${n}`,
    description: `Aurora secret cooling circuit ${world.tag}`,
    quantity: 98765.4321,
    ...spec.supply,
  });
  const demandId = await insertHeatStream(db, world.b, {
    direction: 'demand',
    title: `Borealis tomato hall heating ${world.tag} ${n}`,
    description: `Borealis secret greenhouse plans ${world.tag}`,
    quantity: 43219.8765,
    temperatureC: 70,
    ...spec.demand,
  });
  return { matchId: await insertMatch(db, supplyId, demandId), supplyId, demandId };
}

export interface MatchState {
  status: string;
  supply_interest?: string | null;
  demand_interest?: string | null;
  stale?: boolean;
  qualifies?: boolean;
}

/** Puts a match straight into a state (for table-driven tests); returns its version. */
export async function forceState(db: DataSource, matchId: string, state: MatchState): Promise<number> {
  const [row] = rowsOf<{ version: number }>(
    await db.query(
      `UPDATE matches SET status = $2, supply_interest = $3, demand_interest = $4, stale = $5, qualifies = $6
       WHERE id = $1 RETURNING version`,
      [
        matchId,
        state.status,
        state.supply_interest ?? null,
        state.demand_interest ?? null,
        state.stale ?? false,
        state.qualifies ?? true,
      ],
    ),
  );
  return row.version;
}

/** Everything a transition may change, to prove that a refused one changed nothing. */
export async function snapshot(db: DataSource, matchId: string): Promise<unknown> {
  const [match] = (await db.query(`SELECT * FROM matches WHERE id = $1`, [matchId])) as unknown[];
  const events = (await db.query(`SELECT * FROM match_events WHERE match_id = $1 ORDER BY id`, [
    matchId,
  ])) as unknown[];
  const notifications = (await db.query(
    `SELECT id, read_at FROM notifications WHERE match_id = $1 ORDER BY id`,
    [matchId],
  )) as unknown[];
  return { match, events, notifications };
}

export type Action = 'interest' | 'decline' | 'approve' | 'reject' | 'activate' | 'close';

/** POST /matches/:id/:action as `token`. */
export function act(
  api: ApiHarness,
  token: string,
  matchId: string,
  action: Action,
  body: Record<string, unknown>,
): request.Test {
  return request(api.url).post(`${API}/matches/${matchId}/${action}`).set(bearer(token)).send(body);
}

export async function matchVersion(db: DataSource, matchId: string): Promise<number> {
  const [row] = (await db.query(`SELECT version FROM matches WHERE id = $1`, [matchId])) as {
    version: number;
  }[];
  return row.version;
}
