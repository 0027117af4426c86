import { rowsOf } from '@symbiose/core';
import {
  deliverQueuedProposals,
  currentRegionMonth,
  monthFromIndex,
  monthIndex,
  scorePairOf,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
} from '@symbiose/domain';
import request from 'supertest';
import { upsertPairs } from '../../libs/domain/src/matching/match-writer';
import { API, bearer, createCompany, createSite } from '../factories';
import { line, MatrixFeature, MatrixWorld, RequestContext } from './matrix';

type SiteRef = { id: string; companyId: string };

const monthsAgo = (n: number) => monthFromIndex(monthIndex(currentRegionMonth()) - n);

/** An active CO2 exchange (100 km reach: Gent and Terneuzen are in range) stored by the matcher's writer. */
async function activeExchange(world: MatrixWorld, supplySite: SiteRef, demandSite: SiteRef): Promise<string> {
  const { db } = world.api;
  const stream = async (site: SiteRef, direction: 'supply' | 'demand') => {
    const [row] = (await db.query(
      `INSERT INTO streams (site_id, company_id, direction, category, title, quantity_amount, quantity_unit,
         annual_quantity, canonical_unit, quality, current_handling, current_source, status, latitude, longitude,
         country, has_quay, has_rail)
       SELECT si.id, si.company_id, $2, 'co2', 'Matrix delivery stream', 6000, 't/yr', 6000, 't/yr',
         '{"purityPct": 99.5}', CASE WHEN $2 = 'supply' THEN 'vented' END,
         CASE WHEN $2 = 'demand' THEN 'gas_combustion_co2' END, 'active', si.latitude, si.longitude, si.country,
         si.has_quay, si.has_rail
       FROM sites si WHERE si.id = $1 RETURNING id`,
      [site.id, direction],
    )) as { id: string }[];
    return row.id;
  };
  const supply = await stream(supplySite, 'supply');
  const demand = await stream(demandSite, 'demand');
  const rows = (await db.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
    [supply, demand],
  ])) as StreamRow[];
  const pair = scorePairOf(
    toMatchable(rows.find((r) => r.id === supply)!),
    toMatchable(rows.find((r) => r.id === demand)!),
  );
  if (!pair) throw new Error('deliveries matrix: the engine rejects the pair');
  await db.transaction((m) => upsertPairs(m, [pair]));
  // As the worker does after a matching job: announce the new proposal (queued by the trigger).
  await deliverQueuedProposals(db);
  const [match] = rowsOf<{ id: string }>(
    await db.query(
      `UPDATE matches SET status = 'active', supply_interest = 'interested', demand_interest = 'interested'
       WHERE supply_stream_id = $1 AND demand_stream_id = $2 RETURNING id`,
      [supply, demand],
    ),
  );
  return match.id;
}

async function delivery(world: MatrixWorld, matchId: string, period: string): Promise<string> {
  const res = await request(world.api.url)
    .post(`${API}/matches/${matchId}/deliveries`)
    .set(bearer(world.tokens.coordinator))
    .send({ period, quantity: { amount: 100, unit: 't' } });
  if (res.status !== 201) throw new Error(`deliveries matrix: setup delivery got ${res.status}`);
  return (res.body as { id: string }).id;
}

/** Each allowed actor records a month of its own, so every one of them gets a 201. */
const ACTOR_MONTH: Record<string, number> = {
  admin: 3,
  coordinator: 4,
  officerA: 5,
  officerB: 6,
  province: 7,
  anonymous: 8,
};
const record = ({ actor }: RequestContext) => ({
  period: monthsAgo(ACTOR_MONTH[actor]),
  quantity: { amount: 120, unit: 't' },
});
const correction = { quantity: { amount: 110, unit: 't' } };

/**
 * Issue #8: realised deliveries. Officers of either side of an active exchange record and correct its
 * deliveries (another company's exchange or delivery is a 404), coordinators and admins too; only
 * coordinators and admins verify (officers 403); province users get a 403 everywhere. The
 * `/matches/:id/deliveries` routes live under the matches prefix but are listed here.
 */
export const deliveriesMatrix: MatrixFeature = {
  name: 'deliveries',
  prefixes: ['/deliveries'],
  async setup(world) {
    const A = { id: world.siteA.id, companyId: world.companyA.id };
    const B = { id: world.siteB.id, companyId: world.companyB.id };
    const companyC = await createCompany(world.api.db, { name: 'Matrix Delivery Company C', country: 'BE' });
    const siteC = await createSite(world.api.db, { companyId: companyC.id, name: 'Matrix Delivery Site C' });
    const C = { id: siteC.id, companyId: companyC.id };
    const deliveryMatch = await activeExchange(world, A, B);
    const foreignMatch = await activeExchange(world, A, C);
    const ids = {
      deliveryMatch,
      foreignMatch,
      deliveryAB: await delivery(world, deliveryMatch, monthsAgo(1)),
      correctAB: await delivery(world, deliveryMatch, monthsAgo(2)),
      verifyAB: await delivery(world, deliveryMatch, monthsAgo(9)),
      foreignDelivery: await delivery(world, foreignMatch, monthsAgo(1)),
      correctForeign: await delivery(world, foreignMatch, monthsAgo(2)),
    };
    // Company C is not officer B's business: neither the A–C exchange nor its deliveries.
    for (const id of [foreignMatch, ids.foreignDelivery, ids.correctForeign, companyC.id, siteC.id]) {
      world.hiddenFrom.officerB.add(id);
      world.hiddenFrom.province.add(id);
      world.hiddenFrom.anonymous.add(id);
    }
    for (const id of [deliveryMatch, ids.deliveryAB, ids.correctAB, ids.verifyAB]) {
      world.hiddenFrom.province.add(id);
      world.hiddenFrom.anonymous.add(id);
    }
    return ids;
  },
  // prettier-ignore
  lines: [
    //   method  path template                              admin coord offA offB prov anon
    line('POST', '/matches/:deliveryMatch/deliveries',       201, 201, 201, 201, 403, 401, { body: record }),
    line('POST', '/matches/:foreignMatch/deliveries',        201, 201, 201, 404, 403, 401, { body: record, note: 'B is not a party' }),
    line('POST', '/matches/:deliveryMatch/deliveries',       400, 400, 400, 400, 403, 401, {
      body: { period: '2025-13', quantity: { amount: 1, unit: 't' } }, note: 'invalid month' }),
    line('POST', '/matches/:unknownId/deliveries',           404, 404, 404, 404, 403, 401, { body: record }),
    line('POST', '/matches/not-a-uuid/deliveries',           404, 404, 404, 404, 403, 401, { body: record }),
    line('GET',  '/matches/:deliveryMatch/deliveries',       200, 200, 200, 200, 403, 401),
    line('GET',  '/matches/:foreignMatch/deliveries',        200, 200, 200, 404, 403, 401),
    line('GET',  '/matches/:unknownId/deliveries',           404, 404, 404, 404, 403, 401),
    line('GET',  '/deliveries/:deliveryAB',                  200, 200, 200, 200, 403, 401),
    line('GET',  '/deliveries/:foreignDelivery',             200, 200, 200, 404, 403, 401),
    line('GET',  '/deliveries/:unknownId',                   404, 404, 404, 404, 403, 401),
    line('GET',  '/deliveries/not-a-uuid',                   404, 404, 404, 404, 403, 401),
    // The first correction supersedes the delivery: whoever comes next meets a superseded one (409).
    line('POST', '/deliveries/:correctAB/corrections',       201, 409, 409, 409, 403, 401, { body: correction }),
    line('POST', '/deliveries/:correctForeign/corrections',  201, 409, 409, 404, 403, 401, { body: correction }),
    line('POST', '/deliveries/:unknownId/corrections',       404, 404, 404, 404, 403, 401, { body: correction }),
    line('POST', '/deliveries/:verifyAB/verify',             200, 200, 403, 403, 403, 401),
    line('POST', '/deliveries/:unknownId/verify',            404, 404, 403, 403, 403, 401),
  ],
};
