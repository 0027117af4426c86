import { randomUUID } from 'node:crypto';
import { upsertPairs } from '../../libs/domain/src/matching/match-writer';
import {
  deliverQueuedProposals,
  scorePairOf,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
} from '@symbiose/domain';
import { createCompany, createSite, createUser } from '../factories';
import { line, MatrixFeature, MatrixWorld, RequestContext } from './matrix';

type SiteRef = { id: string; companyId: string };

/**
 * CO2 (100 km reach): the matrix sites lie in Gent and Terneuzen, beyond heat's 25 km. The streams are
 * paused and not dirty (matched_version = version), so no worker of another suite re-matches them and
 * no full re-match in the shared database carries them; the workflow does not look at stream status.
 */
async function co2Stream(world: MatrixWorld, site: SiteRef, direction: 'supply' | 'demand'): Promise<string> {
  const [row] = (await world.api.db.query(
    `INSERT INTO streams (site_id, company_id, direction, category, title, quantity_amount, quantity_unit,
       annual_quantity, canonical_unit, quality, current_handling, current_source, status, matched_version,
       latitude, longitude, country, has_quay, has_rail)
     SELECT si.id, si.company_id, $2, 'co2', 'Matrix match stream', 5000, 't/yr', 5000, 't/yr',
       '{"purityPct": 99.5}', CASE WHEN $2 = 'supply' THEN 'vented' END,
       CASE WHEN $2 = 'demand' THEN 'gas_combustion_co2' END, 'paused', 1, si.latitude, si.longitude,
       si.country, si.has_quay, si.has_rail
     FROM sites si WHERE si.id = $1 RETURNING id`,
    [site.id, direction],
  )) as { id: string }[];
  return row.id;
}

/** A supply of `supplySite` × a demand of `demandSite`, stored by the matcher's writer, then put in `status`. */
async function match(
  world: MatrixWorld,
  supplySite: SiteRef,
  demandSite: SiteRef,
  status: string,
): Promise<{ id: string; supply: string; demand: string }> {
  const { db } = world.api;
  const supply = await co2Stream(world, supplySite, 'supply');
  const demand = await co2Stream(world, demandSite, 'demand');
  const rows = (await db.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
    [supply, demand],
  ])) as StreamRow[];
  const pair = scorePairOf(
    toMatchable(rows.find((r) => r.id === supply)!),
    toMatchable(rows.find((r) => r.id === demand)!),
  );
  if (!pair) throw new Error('matches matrix: the engine rejects the pair');
  await db.transaction((m) => upsertPairs(m, [pair]));
  // As the worker does after a matching job: announce the new proposal (queued by the trigger).
  await deliverQueuedProposals(db);
  const interested = status === 'proposed' ? null : 'interested';
  const [row] = (await db.query(
    `SELECT id FROM matches WHERE supply_stream_id = $1 AND demand_stream_id = $2`,
    [supply, demand],
  )) as { id: string }[];
  await db.query(`UPDATE matches SET status = $2, supply_interest = $3, demand_interest = $3 WHERE id = $1`, [
    row.id,
    status,
    interested,
  ]);
  return { id: row.id, supply, demand };
}

const v1 = { version: 1 };
/** Officer A acts first (version 1 → 2), then officer B on the version A left. */
const afterA = ({ actor }: RequestContext) => ({ version: actor === 'officerB' ? 2 : 1 });

/**
 * Issue #7: the match workflow and the notification feed. Officers act on matches of their own
 * company's streams (another company's match is a 404); coordinators and admins approve, reject,
 * activate and close (officers 403); province users get a 403 everywhere. Actors run in table order,
 * so in a line the first allowed actor changes the match and the next one meets the new state: that is
 * the 409 (stale version or illegal transition) in the coordinator's column.
 */
export const matchesMatrix: MatrixFeature = {
  name: 'matches',
  prefixes: ['/matches', '/notifications', '/match-runs'],
  async setup(world) {
    const A = { id: world.siteA.id, companyId: world.companyA.id };
    const B = { id: world.siteB.id, companyId: world.companyB.id };
    const companyC = await createCompany(world.api.db, { name: 'Matrix Company C', country: 'BE' });
    const siteC = await createSite(world.api.db, { companyId: companyC.id, name: 'Matrix Site C' });
    await createUser(world.api.db, { role: 'officer', companyId: companyC.id });
    const C = { id: siteC.id, companyId: companyC.id };

    const view = await match(world, A, B, 'proposed');
    const interest = await match(world, A, B, 'proposed');
    const decline = await match(world, A, B, 'proposed');
    const approve = await match(world, A, B, 'mutual_interest');
    const reject = await match(world, A, B, 'proposed');
    const activate = await match(world, A, B, 'approved');
    const close = await match(world, A, B, 'active');
    const ac = await match(world, A, C, 'proposed');
    const running = await match(world, A, B, 'active');

    // Anonymous until mutual interest: neither the other side's stream nor company C may show up.
    // (The approve, activate and close matches are past mutual interest: both sides are revealed.)
    for (const m of [view, decline, reject]) {
      world.hiddenFrom.officerA.add(m.demand);
      world.hiddenFrom.officerB.add(m.supply);
    }
    world.hiddenFrom.officerA.add(ac.demand);
    world.hiddenFrom.officerA.add(companyC.id);
    world.hiddenFrom.officerB.add(ac.id);
    world.hiddenFrom.officerB.add(ac.supply);
    for (const id of [view.id, ac.id, view.supply, view.demand]) {
      world.hiddenFrom.province.add(id);
      world.hiddenFrom.anonymous.add(id);
    }

    // A notification of officer A's (the trigger wrote one per new match): only A may read it.
    const [notification] = (await world.api.db.query(
      `SELECT id FROM notifications WHERE user_id = $1 AND match_id = $2`,
      [world.users.officerA.id, view.id],
    )) as { id: string }[];
    for (const actor of ['admin', 'coordinator', 'officerB', 'province', 'anonymous'] as const) {
      world.hiddenFrom[actor].add(notification.id);
    }

    return {
      matchView: view.id,
      matchInterest: interest.id,
      matchDecline: decline.id,
      matchApprove: approve.id,
      matchReject: reject.id,
      matchActivate: activate.id,
      matchClose: close.id,
      matchAC: ac.id,
      matchActive: running.id,
      notificationA: notification.id,
      unknownMatch: randomUUID(),
    };
  },
  // prettier-ignore
  lines: [
    //   method  path template                            admin coord offA offB prov anon
    line('GET',  '/matches',                               200, 200, 200, 200, 403, 401),
    line('GET',  '/matches?status=proposed&pageSize=5',    200, 200, 200, 200, 403, 401),
    line('GET',  '/matches/:matchView',                    200, 200, 200, 200, 403, 401),
    line('GET',  '/matches/:matchAC',                      200, 200, 200, 404, 403, 401, { note: 'B is not a party' }),
    line('GET',  '/matches/:unknownMatch',                 404, 404, 404, 404, 403, 401),
    line('GET',  '/matches/not-a-uuid',                    404, 404, 404, 404, 403, 401),
    line('POST', '/matches/:matchInterest/interest',       403, 403, 200, 200, 403, 401, {
      body: afterA, leakCheck: false, note: 'B makes it mutual: both sides are revealed by design' }),
    line('POST', '/matches/:matchDecline/decline',         403, 403, 200, 409, 403, 401, { body: v1 }),
    line('POST', '/matches/:matchAC/interest',             403, 403, 200, 404, 403, 401, { body: v1, note: 'B is not a party' }),
    line('POST', '/matches/:unknownMatch/interest',        403, 403, 404, 404, 403, 401, { body: v1 }),
    line('POST', '/matches/not-a-uuid/decline',            403, 403, 404, 404, 403, 401, { body: v1 }),
    line('POST', '/matches/:matchApprove/approve',         200, 409, 403, 403, 403, 401, { body: v1 }),
    line('POST', '/matches/:matchReject/reject',           200, 409, 403, 403, 403, 401, { body: v1 }),
    line('POST', '/matches/:matchActivate/activate',       200, 409, 403, 403, 403, 401, { body: v1 }),
    line('POST', '/matches/:matchClose/close',             200, 409, 403, 403, 403, 401, { body: v1 }),
    line('POST', '/matches/:unknownMatch/approve',         404, 404, 403, 403, 403, 401, { body: v1 }),
    line('POST', '/matches/:matchView/approve',            400, 400, 403, 403, 403, 401, { body: { version: 'one' } }),
    // Deliveries (issue 8, the deliveries engineer's routes), listed here because they live under /matches.
    line('GET',  '/matches/:matchActive/deliveries',       200, 200, 200, 200, 403, 401),
    line('POST', '/matches/:unknownMatch/deliveries',      404, 404, 404, 404, 403, 401, {
      body: { period: '2026-01', quantity: { amount: 100, unit: 'MWh' } } }),
    // Full re-match runs: an invalid body proves who may start one without starting it (no worker here).
    line('POST', '/match-runs',                            400, 400, 403, 403, 403, 401, { body: { reason: 5 } }),
    line('GET',  '/match-runs/:unknownMatch',              404, 404, 403, 403, 403, 401),
    line('GET',  '/match-runs/not-a-uuid',                 404, 404, 403, 403, 403, 401),
    line('GET',  '/notifications',                         200, 200, 200, 200, 403, 401),
    line('GET',  '/notifications?unread=true&pageSize=5',  200, 200, 200, 200, 403, 401),
    line('GET',  '/notifications/unread-count',            200, 200, 200, 200, 403, 401),
    line('POST', '/notifications/:notificationA/read',     404, 404, 200, 404, 403, 401),
    line('POST', '/notifications/:unknownMatch/read',      404, 404, 404, 404, 403, 401),
    line('POST', '/notifications/not-a-uuid/read',         404, 404, 404, 404, 403, 401),
    line('POST', '/notifications/read-all',                200, 200, 200, 200, 403, 401),
  ],
};
