import { constantsFor, ENGINE_FACTOR_IDS } from '../engine.constants';
import { CURRENT_FACTOR_SET, defineFactorSet, FACTOR_SET_2026_1, getFactorSet } from './factor-set';
import file from './factor-set.2026.1.json';

/** The reference factors as shipped in shared/reference/factors.json (ids and values must not drift). */
const REFERENCE: Record<string, number> = {
  'fuel.natural_gas.co2_per_mwh': 0.202,
  'fuel.natural_gas.co2_per_m3_nl': 1.78,
  'fuel.natural_gas.lhv_mwh_per_m3_nl': 0.00879,
  'boiler.natural_gas.efficiency': 0.9,
  'grid.BE.co2_per_mwh': 0.167,
  'grid.NL.co2_per_mwh': 0.349,
  'heat_pump.carnot_fraction': 0.5,
  'heat_pump.max_lift_k': 60,
  'heat_pipe.loss_fraction_per_km': 0.005,
  'heat_pipe.pumping_mwh_e_per_mwh_th_per_km': 0.006,
  'heat_pipe.practical_max_km': 30,
  'route.circuity.road': 1.3,
  'route.circuity.pipeline': 1.2,
  'transport.road.co2_per_tkm': 0.0903,
  'transport.rail.co2_per_tkm': 0.0113,
  'transport.barge.co2_per_tkm': 0.0386,
  'co2.compression_mwh_per_t': 0.1,
  'hydrogen.lhv_mwh_per_t': 33.33,
  'hydrogen.smr.co2_per_t': 9.35,
  'material.cement_cem1.co2_per_t': 0.85,
  'material.ggbs.co2_per_t': 0.067,
  'material.gypsum_natural.co2_per_t': 0.141,
  'material.gypsum_fgd.co2_per_t': 0.105,
  'co2.purity.beverage_min_pct': 99.9,
};

describe('factor set 2026.1', () => {
  it('is the current set and is versioned', () => {
    expect(CURRENT_FACTOR_SET).toBe(FACTOR_SET_2026_1);
    expect(CURRENT_FACTOR_SET.version).toBe('2026.1');
    expect(getFactorSet('2026.1')).toBe(FACTOR_SET_2026_1);
    expect(getFactorSet('1999.1')).toBeUndefined();
  });

  it('keeps every reference factor unchanged', () => {
    for (const [id, value] of Object.entries(REFERENCE))
      expect(CURRENT_FACTOR_SET.factors[id]?.value).toBe(value);
  });

  it('gives every factor a unit, a source and a confidence; additions say why', () => {
    for (const f of Object.values(CURRENT_FACTOR_SET.factors)) {
      expect(f.unit.length).toBeGreaterThan(0);
      expect(f.source.length).toBeGreaterThan(20);
      expect(['high', 'medium', 'low']).toContain(f.confidence);
    }
    const added = Object.keys(CURRENT_FACTOR_SET.factors).filter((id) => !(id in REFERENCE));
    expect(added.sort()).toEqual([
      'heat_exchange.approach_k',
      'material.steel_scrap.avoided_co2_per_t',
      'route.circuity.barge',
      'route.circuity.rail',
      'water.mains.electricity_mwh_per_m3',
      'water_pipe.pumping_mwh_per_m3_per_km',
    ]);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(CURRENT_FACTOR_SET.factors)).toBe(true);
    expect(Object.isFrozen(CURRENT_FACTOR_SET.factors['grid.BE.co2_per_mwh'])).toBe(true);
  });

  it('holds every factor the engine reads', () => {
    const c = constantsFor(CURRENT_FACTOR_SET);
    expect(c.values.length).toBe(ENGINE_FACTOR_IDS.length);
    for (const id of ENGINE_FACTOR_IDS) expect(CURRENT_FACTOR_SET.factors[id]).toBeDefined();
  });

  it('refuses a malformed or incomplete set', () => {
    const bad = { ...file, factors: [...file.factors, { ...file.factors[0] }] };
    expect(() => defineFactorSet(bad)).toThrow(/duplicate/);
    const lowConfidence = {
      ...file,
      factors: file.factors.map((f, i) => (i === 0 ? { ...f, confidence: 'certain' } : f)),
    };
    expect(() => defineFactorSet(lowConfidence)).toThrow(/confidence/);
    const incomplete = defineFactorSet({ ...file, version: 'test', factors: file.factors.slice(1) });
    expect(() => constantsFor(incomplete)).toThrow(/lacks fuel.natural_gas.co2_per_mwh/);
  });
});
