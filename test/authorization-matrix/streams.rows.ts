import { line, MatrixFeature, RequestContext } from './matrix';

const heatOn = (site: 'siteA' | 'siteB') => (ctx: RequestContext) => ({
  siteId: ctx.world.ids[site],
  direction: 'supply',
  category: 'heat',
  title: `Matrix heat ${ctx.seq}`,
  quantity: { amount: 1000, unit: 'MWh/yr' },
  heat: { temperatureC: 90, medium: 'hot_water' },
  currentHandling: 'cooling_tower',
});

/** A cosmetic edit keeps the version at 1, so every allowed actor can send the same version in turn. */
const rename = ({ seq }: RequestContext) => ({ version: 1, title: `Matrix rename ${seq}` });

/**
 * Actors run in table order (admin, coordinator, officerA, ...) on one active stream, so the body
 * alternates pause and resume: each allowed actor makes a legal move and gets a 200.
 */
const toggle = ({ actor }: RequestContext) => ({ status: actor === 'coordinator' ? 'active' : 'paused' });

/**
 * Issue #4: residual streams. Officers manage their own company's streams (another company's stream
 * or site is a 404); coordinators and admins all of them; province users get a 403 on every stream
 * route (they only see aggregated reports). The material taxonomy is open to every signed-in user.
 */
export const streamsMatrix: MatrixFeature = {
  name: 'streams',
  prefixes: ['/streams', '/material-types'],
  async setup(world) {
    const insert = async (site: 'siteA' | 'siteB', companyId: string) => {
      const [row] = (await world.api.db.query(
        `INSERT INTO streams (site_id, company_id, direction, category, title, quantity_amount, quantity_unit,
           annual_quantity, canonical_unit, quality, current_handling, status, latitude, longitude, country,
           has_quay, has_rail)
         SELECT si.id, $2, 'supply', 'heat', 'Matrix stream', 1000, 'MWh/yr', 1000, 'MWh/yr',
           '{"temperatureC": 90, "medium": "hot_water"}', 'cooling_tower', 'active', si.latitude, si.longitude,
           si.country, si.has_quay, si.has_rail
         FROM sites si WHERE si.id = $1 RETURNING id`,
        [world.ids[site], companyId],
      )) as { id: string }[];
      return row.id;
    };
    const streamA = await insert('siteA', world.companyA.id);
    const streamB = await insert('siteB', world.companyB.id);
    world.hiddenFrom.officerA.add(streamB);
    world.hiddenFrom.officerB.add(streamA);
    for (const id of [streamA, streamB]) {
      world.hiddenFrom.province.add(id);
      world.hiddenFrom.anonymous.add(id);
    }
    return { streamA, streamB };
  },
  // prettier-ignore
  lines: [
    //   method    path template                          admin coord offA offB prov anon
    line('POST',   '/streams',                             201, 201, 201, 404, 403, 401, { body: heatOn('siteA'), note: 'on site A' }),
    line('POST',   '/streams',                             201, 201, 404, 201, 403, 401, { body: heatOn('siteB'), note: 'on site B' }),
    line('GET',    '/streams',                             200, 200, 200, 200, 403, 401),
    line('GET',    '/streams?companyId=:companyB',         200, 200, 200, 200, 403, 401),
    line('GET',    '/streams?siteId=:siteA&status=active', 200, 200, 200, 200, 403, 401),
    line('GET',    '/streams/:streamA',                    200, 200, 200, 404, 403, 401),
    line('GET',    '/streams/:streamB',                    200, 200, 404, 200, 403, 401),
    line('GET',    '/streams/:unknownId',                  404, 404, 404, 404, 403, 401),
    line('GET',    '/streams/not-a-uuid',                  404, 404, 404, 404, 403, 401),
    line('PATCH',  '/streams/:streamA',                    200, 200, 200, 404, 403, 401, { body: rename }),
    line('PATCH',  '/streams/:streamB',                    200, 200, 404, 200, 403, 401, { body: rename }),
    line('PATCH',  '/streams/:unknownId',                  404, 404, 404, 404, 403, 401, { body: rename }),
    line('POST',   '/streams/:streamA/status',             200, 200, 200, 404, 403, 401, { body: toggle }),
    line('POST',   '/streams/:streamB/status',             200, 200, 404, 200, 403, 401, { body: toggle }),
    line('POST',   '/streams/:unknownId/status',           404, 404, 404, 404, 403, 401, { body: { status: 'paused' } }),
    // Matching's route (the lead's), listed here because it lives under /streams.
    line('GET',    '/streams/:streamA/matches',            200, 200, 200, 404, 403, 401),
    line('GET',    '/material-types',                      200, 200, 200, 200, 200, 401),
  ],
};
