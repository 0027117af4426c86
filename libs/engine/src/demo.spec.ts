import type { StreamFacts } from './domain.types';
import { estimatePair } from './pair.engine';
import { site } from './testing/stream.fixtures';

/** Demo pairs of the SDR region (coordinates and quantities from shared/reference/sdr-region.json). */
const DOW = site(51.33, 3.8, 'NL', true, true);
const YARA = site(51.276, 3.838, 'NL', true, false);
const GREENHOUSES = site(51.262, 3.852, 'NL', false, false);
const STORA_ENSO = site(51.122, 3.733, 'BE', true, false);
const VOLVO = site(51.108, 3.752, 'BE', false, true);
const ZEELAND_REFINERY = site(51.447, 3.69, 'NL', true, true);
const ARCELORMITTAL = site(51.17, 3.805, 'BE', true, true);

const dowHydrogen: StreamFacts = {
  id: 'dow-h2',
  direction: 'supply',
  category: 'hydrogen',
  annualQuantity: 4500,
  quality: { purityPct: 99.5 },
  currentHandling: 'fuel',
  site: DOW,
};
const yaraHydrogen: StreamFacts = {
  id: 'yara-h2',
  direction: 'demand',
  category: 'hydrogen',
  annualQuantity: 10000,
  quality: { purityPct: 99.0 },
  currentSource: 'smr_hydrogen',
  site: YARA,
};

describe('demo pairs make sense', () => {
  it('Dow → Yara hydrogen nets well below SMR substitution alone', () => {
    const r = estimatePair(dowHydrogen, yaraHydrogen);
    if (!r.ok) throw new Error(r.detail);
    const smrOnly = 4500 * 9.35; // 42,075 t
    expect(r.grossCo2TonnesPerYear).toBeCloseTo(smrOnly, 6);
    // Dow must burn gas instead: 4500 t × 33.33 MWh/t × 0.202 t/MWh = 30,296.97 t.
    expect(r.deductedCo2TonnesPerYear).toBeCloseTo(30296.97, 6);
    expect(r.co2AvoidedTonnesPerYear).toBeCloseTo(11778.03, 6);
    expect(r.co2AvoidedTonnesPerYear).toBeLessThan(smrOnly / 2);
    expect(r.flags).toContain('displaces_existing_use');
    expect(r.transportMode).toBe('pipeline');
    expect(r.distanceKm).toBeGreaterThan(6);
    expect(r.distanceKm).toBeLessThan(7);
    const labels = r.explanation.steps.map((s) => s.label);
    expect(labels).toContain('replacement_gas_mwh');
    expect(r.explanation.factors.map((f) => f.id)).toEqual(
      expect.arrayContaining([
        'hydrogen.smr.co2_per_t',
        'hydrogen.lhv_mwh_per_t',
        'fuel.natural_gas.co2_per_mwh',
      ]),
    );
  });

  it('Stora Enso → Volvo hot water: direct exchange over ~2.5 km of pipe', () => {
    const r = estimatePair(
      {
        id: 'se',
        direction: 'supply',
        category: 'heat',
        annualQuantity: 67000,
        quality: { temperatureC: 125, medium: 'hot_water', returnTemperatureC: 85 },
        currentHandling: 'cooling_tower',
        site: STORA_ENSO,
      },
      {
        id: 'volvo',
        direction: 'demand',
        category: 'heat',
        annualQuantity: 67000,
        quality: { temperatureC: 110, medium: 'hot_water' },
        currentSource: 'natural_gas_boiler',
        site: VOLVO,
      },
    );
    if (!r.ok) throw new Error(r.detail);
    expect(r.flags).not.toContain('heat_pump_required');
    expect(r.routeKm).toBeGreaterThan(2);
    expect(r.routeKm).toBeLessThan(3);
    // About 67,000 / 0.9 × 0.202 ≈ 15 kt before losses and pumping.
    expect(r.co2AvoidedTonnesPerYear).toBeGreaterThan(14000);
    expect(r.co2AvoidedTonnesPerYear).toBeLessThan(15100);
  });

  it('Yara CO2 → greenhouses is flagged as sharing the greenhouse gas counterfactual with heat', () => {
    const r = estimatePair(
      {
        id: 'yara-co2',
        direction: 'supply',
        category: 'co2',
        annualQuantity: 70000,
        quality: { purityPct: 99.5 },
        currentHandling: 'vented',
        site: YARA,
      },
      {
        id: 'gh-co2',
        direction: 'demand',
        category: 'co2',
        annualQuantity: 55000,
        quality: { purityPct: 99.0 },
        currentSource: 'gas_combustion_co2',
        site: GREENHOUSES,
      },
    );
    if (!r.ok) throw new Error(r.detail);
    expect(r.flags).toContain('shared_counterfactual');
    expect(r.grossCo2TonnesPerYear).toBeCloseTo(55000, 6);
  });

  it('ArcelorMittal slag already sold elsewhere is not credited', () => {
    const r = estimatePair(
      {
        id: 'am-slag',
        direction: 'supply',
        category: 'material',
        annualQuantity: 1_200_000,
        quality: { materialType: 'blast_furnace_slag', ewcCode: '10 02 02', hazardous: false },
        currentHandling: 'sold_elsewhere',
        regulatoryStatus: 'by_product',
        site: ARCELORMITTAL,
      },
      {
        id: 'cement',
        direction: 'demand',
        category: 'material',
        annualQuantity: 300_000,
        quality: { materialType: 'blast_furnace_slag' },
        currentSource: 'purchased_virgin',
        site: site(51.09, 3.77, 'BE', true, false),
      },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('no_net_saving');
      expect(r.detail).toContain('sold elsewhere');
    }
  });

  it('Zeeland Refinery heat cannot reach Volvo in Gent', () => {
    const r = estimatePair(
      {
        id: 'zr',
        direction: 'supply',
        category: 'heat',
        annualQuantity: 150000,
        quality: { temperatureC: 80, medium: 'hot_water' },
        currentHandling: 'cooling_tower',
        site: ZEELAND_REFINERY,
      },
      {
        id: 'volvo',
        direction: 'demand',
        category: 'heat',
        annualQuantity: 67000,
        quality: { temperatureC: 110, medium: 'hot_water' },
        currentSource: 'natural_gas_boiler',
        site: VOLVO,
      },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('beyond_reach');
  });
});
