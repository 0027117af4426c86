import { randomUUID } from 'node:crypto';
import { line, MatrixFeature, MatrixWorld } from './matrix';

/**
 * Issue #10: the region-wide allocation plan. The plan and its history are for coordinators and
 * admins; an officer may read what the plan assigns to their own company's stream (another
 * company's stream is a 404) and sees the counterpart anonymously; province users get a 403.
 *
 * Setup stores a plan of its own whose one item links company A's heat supply to company B's heat
 * demand (a proposed, unrevealed pair), so the leak detector checks that neither officer's view of
 * their stream names the other company's stream. (Suites on the shared database may store a newer
 * plan meanwhile; the statuses do not depend on which plan is latest.)
 */
export const allocationMatrix: MatrixFeature = {
  name: 'allocation',
  prefixes: ['/allocation'],
  async setup(world: MatrixWorld) {
    const insert = async (site: 'siteA' | 'siteB', companyId: string, direction: 'supply' | 'demand') => {
      const [row] = (await world.api.db.query(
        `INSERT INTO streams (site_id, company_id, direction, category, title, quantity_amount, quantity_unit,
           annual_quantity, canonical_unit, quality, current_handling, current_source, status, latitude,
           longitude, country, has_quay, has_rail)
         SELECT si.id, $2, $3, 'heat', 'Matrix allocation stream', 5000, 'MWh/yr', 5000, 'MWh/yr',
           '{"temperatureC": 90, "medium": "hot_water"}',
           CASE WHEN $3 = 'supply' THEN 'cooling_tower' END, CASE WHEN $3 = 'demand' THEN 'natural_gas_boiler' END,
           'active', si.latitude, si.longitude, si.country, si.has_quay, si.has_rail
         FROM sites si WHERE si.id = $1 RETURNING id`,
        [world.ids[site], companyId, direction],
      )) as { id: string }[];
      return row.id;
    };
    const allocSupplyA = await insert('siteA', world.companyA.id, 'supply');
    const allocDemandB = await insert('siteB', world.companyB.id, 'demand');
    const [plan] = (await world.api.db.query(
      `INSERT INTO allocation_plans (engine_version, factor_set_version, status, input_hash, plan_energy_mwh,
         plan_co2_t, greedy_energy_mwh, greedy_co2_t, naive_energy_mwh, naive_co2_t, pairs_count, items_count,
         supplies_count, demands_count, solver)
       VALUES ('matrix', 'matrix', 'optimal', 'matrix', 900, 150, 900, 150, 900, 150, 1, 1, 1, 1, '{}')
       RETURNING id`,
    )) as { id: string }[];
    await world.api.db.query(
      `INSERT INTO allocation_plan_items (plan_id, match_id, supply_stream_id, demand_stream_id, category, unit,
         quantity, supply_used, co2_t, energy_mwh)
       VALUES ($1, $2, $3, $4, 'heat', 'MWh/yr', 4321.5, 4500.25, 150, 900)`,
      [plan.id, randomUUID(), allocSupplyA, allocDemandB],
    );
    world.hiddenFrom.officerA.add(allocDemandB);
    world.hiddenFrom.officerB.add(allocSupplyA);
    for (const id of [allocSupplyA, allocDemandB]) {
      world.hiddenFrom.province.add(id);
      world.hiddenFrom.anonymous.add(id);
    }
    return { allocSupplyA, allocDemandB };
  },
  // prettier-ignore
  lines: [
    //   method  path template                          admin coord offA offB prov anon
    line('GET',  '/allocation',                          200, 200, 403, 403, 403, 401),
    line('GET',  '/allocation?page=2&pageSize=5',        200, 200, 403, 403, 403, 401),
    line('GET',  '/allocation?pageSize=1000',            400, 400, 403, 403, 403, 401),
    line('GET',  '/allocation/history',                  200, 200, 403, 403, 403, 401),
    line('GET',  '/allocation/streams/:allocSupplyA',    200, 200, 200, 404, 403, 401),
    line('GET',  '/allocation/streams/:allocDemandB',    200, 200, 404, 200, 403, 401),
    line('GET',  '/allocation/streams/:unknownId',       404, 404, 404, 404, 403, 401),
    line('GET',  '/allocation/streams/not-a-uuid',       404, 404, 404, 404, 403, 401),
  ],
};
