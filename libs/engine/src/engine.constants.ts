import type { Factor, FactorSet } from './factors/factor-set';

/** Bumped whenever the math changes, so stored matches can be recomputed (DESIGN: full re-match). */
export const ENGINE_VERSION = '1.0.0';

/** The factors the engine reads, by short name. Order defines the index used in the hot path. */
const FACTOR_IDS = {
  GAS_CO2: 'fuel.natural_gas.co2_per_mwh',
  BOILER_EFF: 'boiler.natural_gas.efficiency',
  GRID_BE: 'grid.BE.co2_per_mwh',
  GRID_NL: 'grid.NL.co2_per_mwh',
  CARNOT: 'heat_pump.carnot_fraction',
  MAX_LIFT: 'heat_pump.max_lift_k',
  APPROACH: 'heat_exchange.approach_k',
  HEAT_LOSS: 'heat_pipe.loss_fraction_per_km',
  HEAT_PUMPING: 'heat_pipe.pumping_mwh_e_per_mwh_th_per_km',
  HEAT_MAX_KM: 'heat_pipe.practical_max_km',
  CIRC_ROAD: 'route.circuity.road',
  CIRC_PIPELINE: 'route.circuity.pipeline',
  CIRC_RAIL: 'route.circuity.rail',
  CIRC_BARGE: 'route.circuity.barge',
  ROAD_TKM: 'transport.road.co2_per_tkm',
  RAIL_TKM: 'transport.rail.co2_per_tkm',
  BARGE_TKM: 'transport.barge.co2_per_tkm',
  CO2_COMPRESSION: 'co2.compression_mwh_per_t',
  H2_LHV: 'hydrogen.lhv_mwh_per_t',
  H2_SMR: 'hydrogen.smr.co2_per_t',
  CEM1: 'material.cement_cem1.co2_per_t',
  GGBS: 'material.ggbs.co2_per_t',
  GYPSUM_NATURAL: 'material.gypsum_natural.co2_per_t',
  GYPSUM_FGD: 'material.gypsum_fgd.co2_per_t',
  STEEL_SCRAP: 'material.steel_scrap.avoided_co2_per_t',
  WATER_MAINS: 'water.mains.electricity_mwh_per_m3',
  WATER_PUMPING: 'water_pipe.pumping_mwh_per_m3_per_km',
} as const;

type FactorKey = keyof typeof FACTOR_IDS;

/** Factor ids the engine needs from any factor set, in index order. */
export const ENGINE_FACTOR_IDS: readonly string[] = Object.values(FACTOR_IDS);

/** Index of each factor in EngineConstants arrays. */
export const F: Readonly<Record<FactorKey, number>> = Object.freeze(
  Object.fromEntries((Object.keys(FACTOR_IDS) as FactorKey[]).map((k, i) => [k, i])) as Record<
    FactorKey,
    number
  >,
);

/** Index of a factor by id, or -1 (used to resolve ids named in data tables such as substitutions). */
export function factorIndex(id: string): number {
  return ENGINE_FACTOR_IDS.indexOf(id);
}

/** Per-factor-set numbers, computed once, read by index in the hot path. */
export interface EngineConstants {
  readonly factorSet: FactorSet;
  readonly values: Float64Array;
  /** 1 where the factor's confidence is 'low'. */
  readonly low: Uint8Array;
  readonly factors: readonly Factor[];
}

let lastSet: FactorSet | null = null;
let lastConstants: EngineConstants | null = null;
const cache = new WeakMap<FactorSet, EngineConstants>();

/**
 * Constants for a factor set. The last set is kept in a variable so the hot path pays one comparison;
 * a missing factor throws, since a factor set the engine cannot use is a release error.
 */
export function constantsFor(set: FactorSet): EngineConstants {
  if (set === lastSet && lastConstants !== null) return lastConstants;
  let c = cache.get(set);
  if (c === undefined) {
    const n = ENGINE_FACTOR_IDS.length;
    const values = new Float64Array(n);
    const low = new Uint8Array(n);
    const factors: Factor[] = [];
    const missing: string[] = [];
    for (let i = 0; i < n; i++) {
      const f = set.factors[ENGINE_FACTOR_IDS[i]];
      if (f === undefined) {
        missing.push(ENGINE_FACTOR_IDS[i]);
        continue;
      }
      values[i] = f.value;
      low[i] = f.confidence === 'low' ? 1 : 0;
      factors.push(f);
    }
    if (missing.length > 0) throw new Error(`factor set ${set.version} lacks ${missing.join(', ')}`);
    c = { factorSet: set, values, low, factors };
    cache.set(set, c);
  }
  lastSet = set;
  lastConstants = c;
  return c;
}
