import { rowsOf } from '@symbiose/core';
import {
  compareRank,
  floorsOfList,
  matchFromScratch,
  pairKey,
  parseStoredFloors,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
  type RankKey,
} from '@symbiose/domain';
import { DataSource, EntityManager } from 'typeorm';

/** A small deterministic PRNG (mulberry32) so a failing sequence can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface MatchingWorld {
  companies: string[];
  sites: { id: string; companyId: string; lat: number; lon: number; country: 'BE' | 'NL' }[];
}

/** A UUID drawn from the seeded generator, so a failing sequence replays with the same ids (ties break on ids). */
export function seededUuid(rnd: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rnd() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Companies with one site each, inside the Ghent–Terneuzen canal zone (so heat pairs are within reach). */
export async function createWorld(
  db: DataSource,
  companies: number,
  rnd: () => number,
): Promise<MatchingWorld> {
  const world: MatchingWorld = { companies: [], sites: [] };
  for (let i = 0; i < companies; i++) {
    const companyId = seededUuid(rnd);
    const country = rnd() < 0.5 ? 'BE' : 'NL';
    await db.query(
      `INSERT INTO companies (id, name, country, registration_number, nace_code) VALUES ($1, $2, $3, $4, '20.14')`,
      [
        companyId,
        `Matching test company ${companyId.slice(0, 8)}`,
        country,
        String(1e9 + Math.floor(rnd() * 8e9)),
      ],
    );
    const lat = 51.1 + rnd() * 0.25;
    const lon = 3.7 + rnd() * 0.15;
    const siteId = seededUuid(rnd);
    await db.query(
      `INSERT INTO sites (id, company_id, name, latitude, longitude, region, country, municipality, has_quay, has_rail)
       VALUES ($1, $2, 'Plant', $3, $4, $5, $6, 'Gent', $7, $8)`,
      [siteId, companyId, lat, lon, country === 'BE' ? 'BE-VOV' : 'NL-ZE', country, rnd() < 0.5, rnd() < 0.5],
    );
    world.companies.push(companyId);
    world.sites.push({ id: siteId, companyId, lat, lon, country });
  }
  return world;
}

type Category = 'heat' | 'co2' | 'hydrogen';

export function randomStreamFields(rnd: () => number, direction: 'supply' | 'demand', category?: Category) {
  const cat: Category = category ?? (['heat', 'co2', 'hydrogen'] as const)[Math.floor(rnd() * 3)];
  const amount = Math.round(1000 + rnd() * 99000);
  if (cat === 'heat') {
    return {
      category: cat,
      amount,
      unit: 'MWh/yr',
      quality: { temperatureC: Math.round(60 + rnd() * 100), medium: 'hot_water' },
      handling: direction === 'supply' ? 'cooling_tower' : null,
      source: direction === 'demand' ? 'natural_gas_boiler' : null,
    };
  }
  if (cat === 'co2') {
    return {
      category: cat,
      amount,
      unit: 't/yr',
      quality: { purityPct: Math.round((95 + rnd() * 5) * 10) / 10 },
      handling: direction === 'supply' ? 'vented' : null,
      source: direction === 'demand' ? 'gas_combustion_co2' : null,
    };
  }
  return {
    category: cat,
    amount: Math.round(amount / 20),
    unit: 't/yr',
    quality: { purityPct: Math.round((98 + rnd() * 2) * 10) / 10 },
    handling: direction === 'supply' ? (rnd() < 0.5 ? 'fuel' : 'flared') : null,
    source: direction === 'demand' ? 'smr_hydrogen' : null,
  };
}

/** Inserts an active stream as the API would (version 1, matched_version 0: dirty). */
export async function insertStream(
  db: DataSource,
  site: MatchingWorld['sites'][number],
  direction: 'supply' | 'demand',
  rnd: () => number,
  category?: Category,
): Promise<{ id: string; version: number }> {
  const f = randomStreamFields(rnd, direction, category);
  const id = seededUuid(rnd);
  const [row] = (await db.query(
    `INSERT INTO streams (id, site_id, company_id, direction, category, title, quantity_amount, quantity_unit,
       annual_quantity, canonical_unit, quality, current_handling, current_source, status, latitude, longitude,
       country, has_quay, has_rail)
     SELECT $10, $1, $2, $3, $4, 'Test stream', $5, $6, $5, $6, $7, $8, $9, 'active', s.latitude, s.longitude,
       s.country, s.has_quay, s.has_rail
     FROM sites s WHERE s.id = $1
     RETURNING id, version`,
    [site.id, site.companyId, direction, f.category, f.amount, f.unit, f.quality, f.handling, f.source, id],
  )) as { id: string; version: number }[];
  return row;
}

/** A matching-relevant change: new quantity (and quality), version bumped in the same statement. */
export async function changeStream(db: DataSource, id: string, rnd: () => number) {
  const [row] = rowsOf<{ id: string; version: number }>(
    await db.query(
      `UPDATE streams SET annual_quantity = $2, quantity_amount = $2, version = version + 1, updated_at = now()
     WHERE id = $1 RETURNING id, version`,
      [id, Math.round(1000 + rnd() * 99000)],
    ),
  );
  return row;
}

export async function setStatus(db: DataSource, id: string, status: 'active' | 'paused' | 'withdrawn') {
  const [row] = rowsOf<{ id: string; version: number }>(
    await db.query(
      `UPDATE streams SET status = $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING id, version`,
      [id, status],
    ),
  );
  return row;
}

/** Removes everything a test created (matches cascade with streams). */
export async function destroyWorld(db: DataSource, world: MatchingWorld) {
  await db.query(`DELETE FROM streams WHERE company_id = ANY($1::uuid[])`, [world.companies]);
  await db.query(`DELETE FROM sites WHERE company_id = ANY($1::uuid[])`, [world.companies]);
  await db.query(`DELETE FROM companies WHERE id = ANY($1::uuid[])`, [world.companies]);
}

/** The stored proposed matches, pair key → score. */
export async function storedProposed(db: DataSource): Promise<Map<string, number>> {
  const rows: { supply_stream_id: string; demand_stream_id: string; score: number }[] = await db.query(
    `SELECT supply_stream_id, demand_stream_id, score FROM matches WHERE status = 'proposed'`,
  );
  return new Map(rows.map((r) => [pairKey(r.supply_stream_id, r.demand_stream_id), r.score]));
}

/** What a from-scratch match of the stored streams keeps with top K, pair key → score. */
export async function fromScratch(db: DataSource, K: number): Promise<Map<string, number>> {
  const rows = (await db.query(`SELECT ${STREAM_COLUMNS} FROM streams`)) as StreamRow[];
  const result = await matchFromScratch(rows.map(toMatchable), K);
  return new Map(result.kept.map((p) => [pairKey(p.supplyId, p.demandId), p.score]));
}

/**
 * The floors each stream keeps on its processed state (ranks K-1 … K+1 of its stored qualifying list)
 * must equal its list; returns how many streams have floors (null is allowed: not known yet).
 */
export async function expectStoredFloorsAgree(db: DataSource, K: number): Promise<number> {
  const rows: { id: string; rank_floors: unknown }[] = await db.query(
    `SELECT stream_id AS id, floors AS rank_floors FROM stream_rank_floors WHERE floors IS NOT NULL`,
  );
  const pairs: { supply_stream_id: string; demand_stream_id: string; score: number; e: number; r: number }[] =
    await db.query(
      `SELECT supply_stream_id, demand_stream_id, score, energy_saved_mwh AS e, route_km AS r FROM matches WHERE qualifies`,
    );
  const lists = new Map<string, RankKey[]>();
  for (const p of pairs) {
    const key: RankKey = {
      supplyId: p.supply_stream_id,
      demandId: p.demand_stream_id,
      score: p.score,
      energy: p.e,
      routeKm: p.r,
    };
    for (const id of [key.supplyId, key.demandId]) lists.set(id, [...(lists.get(id) ?? []), key]);
  }
  for (const row of rows) {
    const list = (lists.get(row.id) ?? []).sort(compareRank);
    expect({ id: row.id, floors: parseStoredFloors(row.rank_floors) }).toEqual({
      id: row.id,
      floors: floorsOfList(list, K),
    });
  }
  return rows.length;
}

/**
 * Watches the connection under `manager` (a transaction's) until `stop()`: `overlapping` counts the
 * queries handed to it while one it was given before had not finished (pg 8 queues them with a
 * deprecation warning, pg@9 refuses them); `queries` counts them all.
 */
export function watchConnection(manager: EntityManager): {
  queries: number;
  overlapping: number;
  stop(): void;
} {
  const client = (
    manager.queryRunner as unknown as { databaseConnection: { query: (...args: unknown[]) => unknown } }
  ).databaseConnection;
  const original = client.query;
  const watch = { queries: 0, overlapping: 0, stop: () => void (client.query = original) };
  let inFlight = 0;
  client.query = function (this: unknown, ...args: unknown[]) {
    watch.queries++;
    if (inFlight > 0) watch.overlapping++;
    inFlight++;
    let finished = false;
    const done = () => {
      if (!finished) inFlight--;
      finished = true;
    };
    const result = original.apply(this, args) as
      | {
          then?: (ok: () => void, failed: () => void) => void;
          once?: (event: string, fn: () => void) => void;
        }
      | undefined;
    if (typeof result?.then === 'function') result.then(done, done);
    else if (typeof result?.once === 'function') {
      // A COPY: a stream that finishes once Postgres has taken all of it.
      result.once('finish', done);
      result.once('error', done);
    }
    return result;
  };
  return watch;
}
