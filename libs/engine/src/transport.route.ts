import type { Category, SiteFacts, TransportMode } from './domain.types';
import { constantsFor, F, type EngineConstants } from './engine.constants';
import { CURRENT_FACTOR_SET, type FactorSet } from './factors/factor-set';
import { greatCircleKm } from './geo.distance';
import { fv, reject, type PairContext } from './pair.context';

/** Circuity factor index per mode. */
export const CIRCUITY_FACTOR: Readonly<Record<TransportMode, number>> = {
  pipeline: F.CIRC_PIPELINE,
  road: F.CIRC_ROAD,
  rail: F.CIRC_RAIL,
  barge: F.CIRC_BARGE,
};

/** kg CO2 per tonne-km factor index per freight mode. */
export const FREIGHT_CO2_FACTOR: Readonly<Record<'road' | 'rail' | 'barge', number>> = {
  road: F.ROAD_TKM,
  rail: F.RAIL_TKM,
  barge: F.BARGE_TKM,
};

/**
 * Hard reach (great-circle km) for the categories whose reach is not a physical factor. These are
 * platform defaults, not physics — transport, pumping and compression are charged per km anyway:
 * - co2, hydrogen: 100 km. Realised regional links are shorter (Dow–Yara hydrogen line ~12 km; OCAP's
 *   Rotterdam–Amsterdam CO2 trunk line ~85 km); beyond that a national network, not a bilateral match.
 * - material: 300 km, regional symbiosis by road, rail or barge (the SDR region is ~80 km across).
 * - water: 50 km of pipeline; the mains-water saving is small, so pumping soon cancels it.
 * Heat uses heat_pipe.practical_max_km (a route length) converted to great-circle km.
 */
export const POLICY_REACH_KM: Readonly<Record<Exclude<Category, 'heat'>, number>> = {
  co2: 100,
  hydrogen: 100,
  material: 300,
  water: 50,
};

function heatReachKm(C: EngineConstants): number {
  return C.values[F.HEAT_MAX_KM] / C.values[F.CIRC_PIPELINE];
}

/**
 * The category's hard reach in great-circle km (what a spatial prefilter uses). scorePair rejects
 * exactly the pairs whose great-circle distance exceeds this number, computed the same way.
 */
export function maxReachKm(category: Category, factors: FactorSet = CURRENT_FACTOR_SET): number {
  return category === 'heat' ? heatReachKm(constantsFor(factors)) : POLICY_REACH_KM[category];
}

/** Materials: the lowest-emission mode both sites can use (barge needs two quays, rail two sidings). */
export function chooseFreightMode(C: EngineConstants, a: SiteFacts, b: SiteFacts): 'road' | 'rail' | 'barge' {
  let best: 'road' | 'rail' | 'barge' = 'road';
  let bestPerKm = C.values[F.ROAD_TKM] * C.values[F.CIRC_ROAD];
  if (a.hasRail && b.hasRail) {
    const perKm = C.values[F.RAIL_TKM] * C.values[F.CIRC_RAIL];
    if (perKm < bestPerKm) {
      best = 'rail';
      bestPerKm = perKm;
    }
  }
  if (a.hasQuay && b.hasQuay) {
    const perKm = C.values[F.BARGE_TKM] * C.values[F.CIRC_BARGE];
    if (perKm < bestPerKm) best = 'barge';
  }
  return best;
}

/**
 * Distance, reach and route for a pair travelling by `mode`. Rejects `beyond_reach` when the distance
 * exceeds the category's reach or either party's own maxDistanceKm (both great-circle km, the distance
 * users see on a match).
 */
export function locate(c: PairContext, mode: TransportMode): boolean {
  const t = c.trace;
  const a = c.s.site;
  const b = c.d.site;
  const cat = c.s.category;
  t?.step('supply_latitude', 'input', a.latitude, '°');
  t?.step('supply_longitude', 'input', a.longitude, '°');
  t?.step('demand_latitude', 'input', b.latitude, '°');
  t?.step('demand_longitude', 'input', b.longitude, '°');
  const dist = greatCircleKm(a.latitude, a.longitude, b.latitude, b.longitude);
  c.distanceKm = dist;
  t?.step(
    'distance_km',
    'haversine(supply_latitude, supply_longitude, demand_latitude, demand_longitude)',
    dist,
    'km',
    'great-circle distance on a sphere of radius 6371.0088 km',
  );
  let reach: number;
  if (cat === 'heat') {
    reach = fv(c, F.HEAT_MAX_KM) / fv(c, F.CIRC_PIPELINE);
    t?.step(
      'reach_km',
      'heat_pipe.practical_max_km / route.circuity.pipeline',
      reach,
      'km',
      'practical heat-pipe length as great-circle km',
    );
  } else {
    reach = POLICY_REACH_KM[cat];
    t?.step('reach_km', 'policy', reach, 'km', 'platform reach for this category (not a physical limit)');
  }
  if (dist > reach) {
    t?.why(`great-circle distance ${round(dist)} km exceeds the ${cat} reach of ${round(reach)} km`);
    return reject(c, 'beyond_reach');
  }
  const sMax = c.s.maxDistanceKm;
  if (sMax !== null && sMax !== undefined && dist > sMax) {
    t?.why(`distance ${round(dist)} km exceeds the supplier's limit of ${sMax} km`);
    return reject(c, 'beyond_reach');
  }
  const dMax = c.d.maxDistanceKm;
  if (dMax !== null && dMax !== undefined && dist > dMax) {
    t?.why(`distance ${round(dist)} km exceeds the receiver's limit of ${dMax} km`);
    return reject(c, 'beyond_reach');
  }
  c.mode = mode;
  c.routeKm = dist * fv(c, CIRCUITY_FACTOR[mode]);
  t?.step('route_km', `distance_km * route.circuity.${mode}`, c.routeKm, 'km', `transport by ${mode}`);
  return true;
}

/** For human-readable details only. */
export function round(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
