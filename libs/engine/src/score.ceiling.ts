import { co2FiguresInto, DistanceFreeFigures } from './co2.savings';
import type { StreamFacts } from './domain.types';
import { constantsFor, F, factorIndex, type EngineConstants } from './engine.constants';
import { CURRENT_FACTOR_SET, type FactorSet } from './factors/factor-set';
import { KELVIN } from './heat.savings';
import { hydrogenFiguresInto } from './hydrogen.savings';
import { SUBSTITUTIONS } from './material.taxonomy';

/**
 * Ceilings on a pair's score (net CO2) that cost a few multiplications, so a matcher can skip scoring
 * a candidate that cannot enter either side's top K. For every pair that qualifies:
 *
 *   net ≤ min(supply quantity, demand quantity) × min(ceiling(supply), ceiling(demand))
 *
 * because in every category the exchanged quantity is at most min(supply, demand) (heat loses some on
 * the way), gross CO2 is that quantity times a per-unit factor the ceilings bound from above on either
 * side, and every deduction (pumping, compression, heat-pump electricity, freight, replacement fuel) is
 * ≥ 0 when the factor set's numbers are. `pairScoreCeiling` adds a relative margin far above the
 * rounding of the engine's float math. A factor set with a negative number gets no ceiling (Infinity).
 */
export function perUnitCeiling(stream: StreamFacts, factors: FactorSet = CURRENT_FACTOR_SET): number {
  const C = constantsFor(factors);
  const v = C.values;
  if (!nonNegative(C)) return Infinity;
  const isSupply = stream.direction === 'supply';
  // Sold elsewhere today: the receiver's saving is not credited, so no such pair has a positive net.
  if (isSupply && stream.currentHandling === 'sold_elsewhere') return 0;
  const country = stream.site?.country;
  // Electricity at this stream's own site (its grid factor), or at the counterpart's (any grid).
  const ownGrid = country === 'BE' ? v[F.GRID_BE] : country === 'NL' ? v[F.GRID_NL] : Infinity;
  const anyGrid = Math.max(v[F.GRID_BE], v[F.GRID_NL]);
  switch (stream.category) {
    case 'heat': {
      const gas = v[F.GAS_CO2] / v[F.BOILER_EFF];
      if (isSupply) return Math.max(gas, anyGrid); // the receiver's boiler and grid
      if (stream.currentSource === 'natural_gas_boiler') return gas;
      if (stream.currentSource === 'electric_boiler') return ownGrid;
      return 0; // no counterfactual: rejected
    }
    case 'co2': {
      // Gas-combustion CO2 replaced tonne for tonne, less compression at the supplier's grid; any other
      // source is credited nothing.
      const compression = v[F.CO2_COMPRESSION];
      if (isSupply) return Math.max(0, 1 - compression * ownGrid);
      if (stream.currentSource !== 'gas_combustion_co2') return 0;
      return Math.max(0, 1 - compression * Math.min(v[F.GRID_BE], v[F.GRID_NL]));
    }
    case 'hydrogen': {
      if (!isSupply) {
        const source = stream.currentSource;
        return source === 'smr_hydrogen' || source === null || source === undefined ? v[F.H2_SMR] : 0;
      }
      // Burned as fuel today (or not stated): the gas that replaces it is deducted.
      const handling = stream.currentHandling;
      const burned = handling === 'fuel' || handling === null || handling === undefined;
      return Math.max(0, v[F.H2_SMR] - (burned ? v[F.H2_LHV] * v[F.GAS_CO2] : 0));
    }
    case 'water':
      // Mains-water electricity avoided at the receiver's grid.
      return v[F.WATER_MAINS] * (isSupply ? anyGrid : ownGrid);
    case 'material':
      return materialCeiling(C, stream);
    default:
      return Infinity;
  }
}

/**
 * Ceiling on the share of the exchanged quantity that arrives over `distanceKm` great-circle km: heat
 * loses heat_pipe.loss_fraction_per_km on every route km (route = distance × pipeline circuity); the
 * other categories arrive whole. Multiplies `pairScoreCeiling` for a pair at that distance.
 */
export function arrivalCeiling(
  category: StreamFacts['category'],
  distanceKm: number,
  factors: FactorSet = CURRENT_FACTOR_SET,
): number {
  return arrivalAt(arrivalLossPerKm(category, factors), distanceKm);
}

/**
 * The share lost per great-circle km that `arrivalCeiling` charges: heat's loss per route km times the
 * pipeline circuity, 0 for the categories that arrive whole, NaN when the factor set has a negative
 * number (no ceiling). A matcher takes it once and calls `arrivalAt` per pair.
 */
export function arrivalLossPerKm(
  category: StreamFacts['category'],
  factors: FactorSet = CURRENT_FACTOR_SET,
): number {
  if (category !== 'heat') return 0;
  const C = constantsFor(factors);
  if (!nonNegative(C)) return NaN;
  return C.values[F.HEAT_LOSS] * C.values[F.CIRC_PIPELINE];
}

/**
 * A lower bound on what a qualifying pair has deducted per unit exchanged and per great-circle km:
 * water's pumping (water_pipe.pumping_mwh_per_m3_per_km × the pipeline circuity, at the lower of the
 * two grid factors), materials' freight (the cheapest mode's kg CO2 per tonne-km × its circuity, in
 * tonnes). 0 for heat (its loss is a share of what arrives, arrivalLossPerKm, and its pumping depends
 * on the pair's temperatures, heatPumpingPerUnitKm), CO2 and hydrogen (no
 * per-km term), and under a factor set with a negative number. See `distanceCeiling`.
 */
export function deductionPerUnitKm(
  category: StreamFacts['category'],
  factors: FactorSet = CURRENT_FACTOR_SET,
): number {
  const C = constantsFor(factors);
  if (!nonNegative(C)) return 0;
  const v = C.values;
  if (category === 'water') {
    return v[F.WATER_PUMPING] * v[F.CIRC_PIPELINE] * Math.min(v[F.GRID_BE], v[F.GRID_NL]);
  }
  if (category === 'material') {
    const road = v[F.ROAD_TKM] * v[F.CIRC_ROAD];
    const rail = v[F.RAIL_TKM] * v[F.CIRC_RAIL];
    const barge = v[F.BARGE_TKM] * v[F.CIRC_BARGE];
    return Math.min(road, rail, barge) / 1000;
  }
  return 0;
}

/**
 * A pair's score ceiling (`pairScoreCeiling`) tightened by its distance: the deduction per unit and
 * km on at most `quantity` (the smaller side's) exchanged — `deductionPerUnitKm` for water and
 * materials, `heatPumpingPerUnitKm` for a heat pair — and the share that arrives (`arrivalAt`, heat's
 * loss). Heat's net is delivered × (per-unit saving − pumping per unit and km × km), and delivered is
 * at most the smaller quantity times the share that arrives, so the deduction comes off before the
 * share is taken (the categories with a loss have no other deduction, those with one lose nothing).
 * `distanceKm` may be any lower bound of the great-circle distance (a matcher uses the chord). The
 * deduction is taken a hair short, so the engine's rounding never puts a pair above it. -Infinity
 * when that leaves nothing above 0 (noSavingPossible): the engine rejects the pair.
 */
export function distanceCeiling(
  ceiling: number,
  lossPerKm: number,
  deductionPerKm: number,
  quantity: number,
  distanceKm: number,
): number {
  const left = deductionPerKm === 0 ? ceiling : ceiling - quantity * deductionPerKm * distanceKm * (1 - 1e-9);
  const tightened = lossPerKm === 0 ? left : left * arrivalAt(lossPerKm, distanceKm);
  return noSavingPossible(tightened, quantity) ? -Infinity : tightened;
}

/**
 * Route km per great-circle km in a category whose pairs' score and energy do not depend on where the
 * two sites are (CO2 and hydrogen: by pipeline, nothing deducted or lost per km), 0 in the others. In
 * such a category two pairs whose supplies and demands have the same `scoreClassOf` and that exchange
 * the same quantity (the smaller annual quantity) score the same and save the same energy, so they
 * rank by route km, which is the great-circle distance times this: a matcher can tell from a lower
 * bound of the distance alone that such a pair ranks after another.
 */
export function distanceFreeRoutePerKm(
  category: StreamFacts['category'],
  factors: FactorSet = CURRENT_FACTOR_SET,
): number {
  if (category !== 'co2' && category !== 'hydrogen') return 0;
  return constantsFor(factors).values[F.CIRC_PIPELINE];
}

/**
 * What the score and energy of a pair in a `distanceFreeRoutePerKm` category read of one of its
 * streams besides the quantity: a supply's country (its grid) and current handling, a demand's current
 * source. Everything else of the stream (site, purity, availability, reach) only decides whether the
 * pair qualifies.
 */
export function scoreClassOf(stream: StreamFacts): string {
  return stream.direction === 'supply'
    ? `supply|${String(stream.site?.country)}|${String(stream.currentHandling)}`
    : `demand|${String(stream.currentSource)}`;
}

/**
 * A CO2 or hydrogen pair's net CO2 (`out.net`) and energy saved (`out.energySaved`) for `exchanged`, the
 * same floats scorePair gives the pair when it qualifies and exchanges that quantity: the category's
 * own arithmetic (co2FiguresInto, hydrogenFiguresInto) on what `scoreClassOf` reads of the two streams,
 * nothing else (no site, purity, availability or reach). False in the other categories, and when the
 * demand's current source is one the engine rejects the pair for. A matcher ranks a candidate with it
 * (and its route's lower bound, see distanceFreeRoutePerKm) before it scores the pair.
 */
export function distanceFreeScoreInto(
  out: DistanceFreeFigures,
  supply: StreamFacts,
  demand: StreamFacts,
  exchanged: number,
  factors: FactorSet = CURRENT_FACTOR_SET,
): boolean {
  const v = constantsFor(factors).values;
  const source = demand.currentSource;
  const handling = supply.currentHandling;
  const displaced = handling === 'sold_elsewhere';
  if (supply.category === 'co2') {
    if (source !== 'gas_combustion_co2' && source !== 'purchased_liquid_co2') return false;
    const gasCredited = !displaced && source === 'gas_combustion_co2';
    const grid = supply.site?.country === 'BE' ? v[F.GRID_BE] : v[F.GRID_NL];
    co2FiguresInto(out, exchanged, gasCredited, gasCredited ? v[F.GAS_CO2] : 0, v[F.CO2_COMPRESSION], grid);
  } else if (supply.category === 'hydrogen') {
    if (source !== 'smr_hydrogen' && source !== null && source !== undefined) return false;
    const burnedAsFuel = !displaced && (handling === 'fuel' || handling === null || handling === undefined);
    const lhv = burnedAsFuel ? v[F.H2_LHV] : 0;
    hydrogenFiguresInto(out, exchanged, displaced, burnedAsFuel, v[F.H2_SMR], v[F.GAS_CO2], lhv);
  } else {
    return false;
  }
  out.net = out.gross - out.deducted;
  return true;
}

/**
 * `arrivalCeiling` from `arrivalLossPerKm` (Infinity when that is NaN: no ceiling). Infinity as a
 * number expression, not the global: merged with the computed share, a global's value made the
 * compiler box that share on every call of a matcher's candidate loop.
 */
export function arrivalAt(lossPerKm: number, distanceKm: number): number {
  if (Number.isNaN(lossPerKm)) return 1 / 0;
  const arrival = 1 - lossPerKm * distanceKm;
  return arrival > 0 ? arrival : 0;
}

/** Heat: the stream's temperature (°C) as heatPairCeiling reads it; NaN when it is not a number. */
export function temperatureCOf(s: StreamFacts): number {
  const q = s.quality as { temperatureC?: unknown } | null | undefined;
  const t = q?.temperatureC;
  return typeof t === 'number' ? t : NaN;
}

/** What `heatUnitCeiling` reads of a factor set, taken once per factor set by `heatPairCeiling`. */
export interface HeatPairCeiling {
  /** False when the factor set has a negative number: the receiver's ceiling is left unchanged. */
  readonly checked: boolean;
  readonly approach: number;
  readonly maxLift: number;
  readonly carnot: number;
  readonly gridBe: number;
  readonly gridNl: number;
  /** heat_pipe.pumping_mwh_e_per_mwh_th_per_km × the pipeline circuity; 0 when not `checked`. */
  readonly pumpingPerKm: number;
}

/**
 * Heat: the constants of `heatUnitCeiling` under a factor set. Made once per factor set: a matcher
 * calls heatUnitCeiling for every heat candidate. Plain data and a plain function rather than a
 * closure, so the optimising compiler can inline the call into a matcher's candidate loop (a call it
 * does not inline boxes every number it passes: a tenth of a full re-match went to collecting those).
 */
export function heatPairCeiling(factors: FactorSet = CURRENT_FACTOR_SET): HeatPairCeiling {
  const C = constantsFor(factors);
  const v = C.values;
  return {
    checked: nonNegative(C),
    approach: v[F.APPROACH],
    maxLift: v[F.MAX_LIFT],
    carnot: v[F.CARNOT],
    gridBe: v[F.GRID_BE],
    gridNl: v[F.GRID_NL],
    pumpingPerKm: nonNegative(C) ? v[F.HEAT_PUMPING] * v[F.CIRC_PIPELINE] : 0,
  };
}

/**
 * Heat: a lower bound on the pumping CO2 a pair has deducted per unit delivered and per great-circle
 * km. The supplier's pumps move the heat drawn into the pipe: all that is contracted without a heat
 * pump, contracted × (1 − 1/COP) with one, and contracted ≥ delivered; the route is the distance times
 * the circuity; the electricity is at the supplier's grid. 0 (no tightening) for a pair the engine
 * rejects for its temperatures (heatUnitCeiling turns those away) and under a factor set with a
 * negative number. What a matcher passes `distanceCeiling` as a heat pair's deduction.
 */
export function heatPumpingPerUnitKm(
  h: HeatPairCeiling,
  supplyTempC: number,
  demandTempC: number,
  supplyInBelgium: boolean,
): number {
  if (!(h.pumpingPerKm > 0)) return 0;
  const cop = heatPumpCop(h, supplyTempC, demandTempC);
  if (Number.isNaN(cop)) return 0;
  const drawnShare = cop === 0 ? 1 : 1 - 1 / cop;
  return h.pumpingPerKm * (supplyInBelgium ? h.gridBe : h.gridNl) * drawnShare;
}

/**
 * Heat: a per-unit ceiling for one pair from the two temperatures, to use as the demand's side of
 * `pairScoreCeiling`. A supply too cold for direct exchange needs the receiver's heat pump, whose
 * electricity (delivered / COP, at the receiver's grid) is deducted, so net ≤ delivered × (receiver's
 * ceiling − grid / COP); the COP and the rejections are the engine's own expressions (heat.savings).
 * Returns -Infinity when the engine rejects the pair for its temperatures (not numbers, a lift above
 * heat_pump.max_lift_k, a COP not above 1), so a matcher may skip it unscored, and the receiver's
 * ceiling unchanged under a factor set with a negative number.
 */
export function heatUnitCeiling(
  h: HeatPairCeiling,
  supplyTempC: number,
  demandTempC: number,
  demandCeiling: number,
  demandInBelgium: boolean,
): number {
  const cop = heatPumpCop(h, supplyTempC, demandTempC);
  if (Number.isNaN(cop)) return -Infinity;
  if (cop === 0 || !h.checked) return demandCeiling;
  return demandCeiling - (demandInBelgium ? h.gridBe : h.gridNl) / cop;
}

/**
 * The COP of the receiver's heat pump for a pair's temperatures, the engine's own expressions
 * (heat.savings): 0 for a direct exchange (no heat pump), NaN where the engine rejects the pair for
 * its temperatures (not numbers, a lift above heat_pump.max_lift_k, a COP not above 1).
 */
function heatPumpCop(h: HeatPairCeiling, supplyTempC: number, demandTempC: number): number {
  const ts = supplyTempC;
  const td = demandTempC;
  if (!Number.isFinite(ts) || !Number.isFinite(td)) return NaN;
  if (ts >= td + h.approach) return 0;
  if (td - ts > h.maxLift) return NaN;
  const tCond = td + h.approach + KELVIN;
  const tEvap = ts - h.approach + KELVIN;
  const cop = (h.carnot * tCond) / (tCond - tEvap);
  return cop > 1 ? cop : NaN;
}

/** Relative margin over the ceiling: the engine's float results differ from the exact math by ~1e-15. */
const MARGIN = 1 + 1e-9;

/** Ceiling on net CO2 of the pair (supply, demand), from the two sides' quantities and per-unit ceilings. */
export function pairScoreCeiling(
  supplyQuantity: number,
  supplyCeiling: number,
  demandQuantity: number,
  demandCeiling: number,
): number {
  const q = supplyQuantity < demandQuantity ? supplyQuantity : demandQuantity;
  const u = supplyCeiling < demandCeiling ? supplyCeiling : demandCeiling;
  return q * u * MARGIN;
}

/**
 * `pairScoreCeiling` from both sides' facts, with the demand's per-unit side tightened by the two
 * temperatures when `heat` (heatPairCeiling) is given; -Infinity when the engine rejects the pair for
 * its temperatures. What both matchers compute per candidate.
 */
export function pairCeilingOf(
  heat: HeatPairCeiling | null,
  supplyQuantity: number,
  supplyCeiling: number,
  supplyTempC: number,
  demandQuantity: number,
  demandCeiling: number,
  demandTempC: number,
  demandInBelgium: boolean,
): number {
  let unit = demandCeiling;
  if (heat) {
    unit = heatUnitCeiling(heat, supplyTempC, demandTempC, demandCeiling, demandInBelgium);
    if (unit === -Infinity) return -Infinity;
  }
  const ceiling = pairScoreCeiling(supplyQuantity, supplyCeiling, demandQuantity, unit);
  return noSavingPossible(ceiling, supplyQuantity < demandQuantity ? supplyQuantity : demandQuantity)
    ? -Infinity
    : ceiling;
}

/**
 * A pair whose ceiling is not above 0 has no net saving; with something to exchange the engine rejects
 * it (no_net_saving), so a matcher need not score it (say a CO2 demand that buys liquid CO2: nothing is
 * credited, compression is deducted).
 */
function noSavingPossible(ceiling: number, smallerQuantity: number): boolean {
  return ceiling <= 0 && smallerQuantity > 0;
}

/**
 * True when a pair whose chord distance is `chordKm` is certainly farther apart than `reachKm`
 * great-circle km: the engine rejects it (beyond_reach). The chord is never longer than the arc beyond
 * rounding, and the margin covers that rounding.
 */
export function beyondReach(chordKm: number, reachKm: number): boolean {
  return chordKm * (1 - 1e-7) > reachKm;
}

const nonNegativeCache = new WeakMap<EngineConstants, boolean>();
function nonNegative(C: EngineConstants): boolean {
  let ok = nonNegativeCache.get(C);
  if (ok === undefined) {
    ok = C.values.every((x) => x >= 0);
    nonNegativeCache.set(C, ok);
  }
  return ok;
}

/** Best credit per tonne over the substitutions this stream's material type can be part of. */
function materialCeiling(C: EngineConstants, stream: StreamFacts): number {
  const quality = stream.quality as { materialType?: unknown } | undefined;
  const type = quality?.materialType;
  let best = 0;
  for (const sub of SUBSTITUTIONS) {
    if ((stream.direction === 'supply' ? sub.supplyType : sub.demandType) !== type) continue;
    if (sub.avoidedFactorId === null) continue;
    const avoided = C.values[factorIndex(sub.avoidedFactorId)];
    const secondary = sub.secondaryFactorId === null ? 0 : C.values[factorIndex(sub.secondaryFactorId)];
    if (avoided - secondary > best) best = avoided - secondary;
  }
  return best;
}
