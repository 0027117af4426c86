import fc from 'fast-check';
import type { Category, StreamFacts } from './domain.types';
import { CURRENT_FACTOR_SET, defineFactorSet, FACTOR_SET_2026_1 } from './factors/factor-set';
import { DistanceFreeFigures } from './co2.savings';
import { chordKm, unitVector } from './geo.distance';
import { scorePair } from './pair.engine';
import {
  arrivalCeiling,
  beyondReach,
  deductionPerUnitKm,
  distanceCeiling,
  heatPairCeiling,
  heatPumpingPerUnitKm,
  distanceFreeRoutePerKm,
  distanceFreeScoreInto,
  pairCeilingOf,
  pairScoreCeiling,
  perUnitCeiling,
  scoreClassOf,
} from './score.ceiling';
import { demand, site, supply } from './testing/stream.fixtures';

function stream(
  category: Category,
  direction: 'supply' | 'demand',
  extra: Partial<StreamFacts> & { country?: 'BE' | 'NL' } = {},
): StreamFacts {
  const { country = 'BE', ...rest } = extra;
  return {
    id: direction === 'supply' ? 'S' : 'D',
    direction,
    category,
    annualQuantity: 100,
    quality: {},
    site: { latitude: 51.1, longitude: 3.8, country, hasQuay: false, hasRail: false },
    ...rest,
  } as StreamFacts;
}

// Factor set 2026.1: gas 0.202 t/MWh, boiler 0.90, grid BE 0.167 / NL 0.349 t/MWh, CO2 compression
// 0.10 MWh/t, H2 SMR 9.35 t/t, H2 LHV 33.33 MWh/t, mains water 0.00051 MWh/m3, CEM I 0.85, GGBS 0.067,
// natural gypsum 0.141, FGD gypsum 0.105, scrap 1.5 t/t.
describe('perUnitCeiling (hand-computed, factor set 2026.1)', () => {
  const cases: [string, StreamFacts, number][] = [
    ['heat supply: the best of a gas boiler and either grid', stream('heat', 'supply'), 0.349],
    [
      'heat supply sold elsewhere: nothing credited',
      stream('heat', 'supply', { currentHandling: 'sold_elsewhere' }),
      0,
    ],
    [
      'heat demand on a gas boiler: 0.202 / 0.90',
      stream('heat', 'demand', { currentSource: 'natural_gas_boiler' }),
      0.202 / 0.9,
    ],
    [
      'heat demand on an electric boiler in NL',
      stream('heat', 'demand', { currentSource: 'electric_boiler', country: 'NL' }),
      0.349,
    ],
    [
      'heat demand on an electric boiler in BE',
      stream('heat', 'demand', { currentSource: 'electric_boiler' }),
      0.167,
    ],
    ['heat demand without a counterfactual', stream('heat', 'demand', { currentSource: null }), 0],
    ['CO2 supply in BE: 1 − 0.10 × 0.167', stream('co2', 'supply'), 1 - 0.1 * 0.167],
    ['CO2 supply in NL: 1 − 0.10 × 0.349', stream('co2', 'supply', { country: 'NL' }), 1 - 0.1 * 0.349],
    [
      'CO2 demand replacing gas-combustion CO2: 1 − 0.10 × 0.167',
      stream('co2', 'demand', { currentSource: 'gas_combustion_co2' }),
      1 - 0.1 * 0.167,
    ],
    [
      'CO2 demand buying liquid CO2: nothing credited',
      stream('co2', 'demand', { currentSource: 'purchased_liquid_co2' }),
      0,
    ],
    [
      'H2 supply burned as fuel today: 9.35 − 33.33 × 0.202',
      stream('hydrogen', 'supply', { currentHandling: 'fuel' }),
      9.35 - 33.33 * 0.202,
    ],
    ['H2 supply, handling not stated (fuel assumed)', stream('hydrogen', 'supply'), 9.35 - 33.33 * 0.202],
    ['H2 supply vented today: 9.35', stream('hydrogen', 'supply', { currentHandling: 'vented' }), 9.35],
    [
      'H2 demand on SMR hydrogen: 9.35',
      stream('hydrogen', 'demand', { currentSource: 'smr_hydrogen' }),
      9.35,
    ],
    ['water supply: 0.00051 × the higher grid', stream('water', 'supply'), 0.00051 * 0.349],
    ['water demand in BE: 0.00051 × 0.167', stream('water', 'demand'), 0.00051 * 0.167],
    [
      'slag supply: 0.85 − 0.067',
      stream('material', 'supply', { quality: { materialType: 'blast_furnace_slag' } }),
      0.85 - 0.067,
    ],
    [
      'gypsum demand: 0.141 − 0.105',
      stream('material', 'demand', { quality: { materialType: 'gypsum' } }),
      0.141 - 0.105,
    ],
    ['scrap supply: 1.5', stream('material', 'supply', { quality: { materialType: 'metal_scrap' } }), 1.5],
    [
      'material without a quantified substitution',
      stream('material', 'supply', { quality: { materialType: 'glass' } }),
      0,
    ],
  ];
  it.each(cases)('%s', (_name, s, expected) => {
    expect(perUnitCeiling(s, CURRENT_FACTOR_SET)).toBeCloseTo(expected, 12);
  });

  it('gives no ceiling (Infinity) under a factor set with a negative number', () => {
    const negative = defineFactorSet({
      version: 'test-negative',
      factors: Object.values(FACTOR_SET_2026_1.factors).map((f) =>
        f.id === 'grid.BE.co2_per_mwh' ? { ...f, value: -0.1 } : f,
      ),
    });
    expect(perUnitCeiling(stream('heat', 'supply'), negative)).toBe(Infinity);
  });

  it('arrivalCeiling: heat loses 0.005 per route km at 1.2 route km per km; the rest arrives whole', () => {
    expect(arrivalCeiling('heat', 0)).toBe(1);
    expect(arrivalCeiling('heat', 10)).toBeCloseTo(1 - 0.005 * 1.2 * 10, 12);
    expect(arrivalCeiling('heat', 200)).toBe(0);
    expect(arrivalCeiling('co2', 10)).toBe(1);
    expect(arrivalCeiling('material', 80)).toBe(1);
  });

  it.each([
    // water_pipe.pumping 0.0000078 MWh/m3/km × pipeline circuity 1.2 × the lower grid factor (BE 0.167)
    ['water', 0.0000078 * 1.2 * 0.167],
    // the cheapest freight per great-circle km: rail 0.0113 kg/tkm × circuity 1.3, in tonnes
    ['material', (0.0113 * 1.3) / 1000],
    ['heat', 0],
    ['co2', 0],
    ['hydrogen', 0],
  ] as const)('deductionPerUnitKm(%s) = %d', (category, expected) => {
    expect(deductionPerUnitKm(category)).toBeCloseTo(expected, 15);
  });

  it('distanceCeiling: the share that arrives, less the deduction per unit and km on the smaller quantity', () => {
    // Water, 1,000 m3 at most, 10 km: 2 t ceiling − 1,000 × 1.56312e-6 × 10 (a hair short).
    const perKm = deductionPerUnitKm('water');
    expect(distanceCeiling(2, 0, perKm, 1000, 10)).toBeCloseTo(2 - 1000 * 0.0000078 * 1.2 * 0.167 * 10, 9);
    expect(distanceCeiling(2, 0, perKm, 1000, 10)).toBeGreaterThan(2 - 1000 * perKm * 10);
    // Heat: only the share, as arrivalCeiling.
    expect(distanceCeiling(5, 0.005 * 1.2, 0, 1e6, 10)).toBeCloseTo(5 * (1 - 0.06), 12);
    // No distance, no change.
    expect(distanceCeiling(3, 0, perKm, 1e6, 0)).toBe(3);
    // Nothing above 0 left (1,000 m3 pumped 2,000 km; heat over 200 km loses it all): the engine rejects.
    expect(distanceCeiling(2, 0, perKm, 1000, 2000)).toBe(-Infinity);
    expect(distanceCeiling(5, 0.005 * 1.2, 0, 1e6, 200)).toBe(-Infinity);
    // Nothing exchanged: no rejection for that reason.
    expect(distanceCeiling(2, 0, perKm, 0, 2000)).toBe(2);
  });

  it("heatPumpingPerUnitKm: pumping per km (0.006 × 1.2) at the supplier's grid, on the share drawn", () => {
    const h = heatPairCeiling();
    // Direct (120 °C ≥ 70 + 10 K approach): all that is contracted is drawn.
    expect(heatPumpingPerUnitKm(h, 120, 70, true)).toBeCloseTo(0.006 * 1.2 * 0.167, 15);
    expect(heatPumpingPerUnitKm(h, 120, 70, false)).toBeCloseTo(0.006 * 1.2 * 0.349, 15);
    // Heat pump (60 → 80 °C): COP = 0.5 × 363.15 / (363.15 − 323.15) = 4.539375; drawn 1 − 1/COP.
    expect(heatPumpingPerUnitKm(h, 60, 80, true)).toBeCloseTo(0.006 * 1.2 * 0.167 * (1 - 1 / 4.539375), 15);
    // Rejected for its temperatures (a lift above 60 K, no temperature): no tightening.
    expect(heatPumpingPerUnitKm(h, 20, 100, true)).toBe(0);
    expect(heatPumpingPerUnitKm(h, NaN, 80, true)).toBe(0);
  });

  it('distanceCeiling for heat: the ceiling less the pumping on the smaller quantity, times the share that arrives', () => {
    const perKm = 0.006 * 1.2 * 0.167; // 0.0012024
    // (100 − 1000 × 0.0012024 × 10) × (1 − 0.006 × 10) = 87.976 × 0.94
    expect(distanceCeiling(100, 0.006, perKm, 1000, 10)).toBeCloseTo(82.69744, 6);
    expect(distanceCeiling(100, 0.006, perKm, 1000, 10)).toBeGreaterThan(82.69744 - 1e-6);
    // Nothing left above 0 after the pumping: the engine finds no saving.
    expect(distanceCeiling(10, 0.006, perKm, 1000, 10)).toBe(-Infinity);
    // Without pumping, the loss alone: 100 × 0.94.
    expect(distanceCeiling(100, 0.006, 0, 1000, 10)).toBeCloseTo(94, 12);
  });

  it('pairCeilingOf: -Infinity when the ceiling is not above 0 and both sides have a quantity', () => {
    // A CO2 demand that buys liquid CO2 has a ceiling of 0 per tonne.
    expect(pairCeilingOf(null, 500, 0.9, NaN, 200, 0, NaN, true)).toBe(-Infinity);
    expect(pairCeilingOf(null, 500, 0.9, NaN, 0, 0, NaN, true)).toBe(0);
    expect(pairCeilingOf(null, 500, 0.9, NaN, 200, 0.5, NaN, true)).toBe(200 * 0.5 * (1 + 1e-9));
  });

  it('beyondReach: the chord past the reach, with a margin of 1e-7 for rounding', () => {
    expect(beyondReach(100.001, 100)).toBe(true);
    expect(beyondReach(100.000001, 100)).toBe(false);
    expect(beyondReach(100, 100)).toBe(false);
    expect(beyondReach(0.001, 0)).toBe(true);
  });

  it('pairScoreCeiling: the smaller quantity times the smaller ceiling, with a 1e-9 margin', () => {
    expect(pairScoreCeiling(100, 0.349, 40, 0.202 / 0.9)).toBeCloseTo(40 * (0.202 / 0.9) * (1 + 1e-9), 12);
    expect(pairScoreCeiling(10, 2, 40, 3)).toBe(10 * 2 * (1 + 1e-9));
  });
});

describe('distance-free categories (CO2, hydrogen): score and energy by score class and quantity alone', () => {
  it('distanceFreeRoutePerKm: the pipeline circuity for CO2 and hydrogen (1.2 in 2026.1), 0 elsewhere', () => {
    expect(distanceFreeRoutePerKm('co2')).toBe(1.2);
    expect(distanceFreeRoutePerKm('hydrogen')).toBe(1.2);
    for (const c of ['heat', 'water', 'material'] as const) expect(distanceFreeRoutePerKm(c)).toBe(0);
  });

  it('scoreClassOf: a supply by country and handling, a demand by source', () => {
    expect(scoreClassOf(supply('co2', { site: site(51, 3.8, 'BE'), currentHandling: 'vented' }))).toBe(
      'supply|BE|vented',
    );
    expect(scoreClassOf(supply('hydrogen', { currentHandling: null }))).toBe('supply|NL|null');
    expect(scoreClassOf(demand('co2', { currentSource: 'purchased_liquid_co2' }))).toBe(
      'demand|purchased_liquid_co2',
    );
  });

  it('distanceFreeScoreInto: hand-computed CO2 and hydrogen pairs (factor set 2026.1)', () => {
    const out = new DistanceFreeFigures();
    // CO2, 100 t, gas credited, compression at the Belgian grid: 100 - 10 MWh × 0.167; energy 100 / 0.202 - 10.
    const co2Supply = supply('co2', { site: site(51, 3.8, 'BE'), currentHandling: 'vented' });
    expect(
      distanceFreeScoreInto(out, co2Supply, demand('co2', { currentSource: 'gas_combustion_co2' }), 100),
    ).toBe(true);
    expect(out.net).toBeCloseTo(100 - 1.67, 9);
    expect(out.energySaved).toBeCloseTo(100 / 0.202 - 10, 9);
    // Purchased liquid CO2: nothing credited, the compression deducted (the engine then rejects it).
    expect(
      distanceFreeScoreInto(out, co2Supply, demand('co2', { currentSource: 'purchased_liquid_co2' }), 100),
    ).toBe(true);
    expect(out.net).toBeCloseTo(-1.67, 9);
    expect(distanceFreeScoreInto(out, co2Supply, demand('co2', { currentSource: null }), 100)).toBe(false);
    // Hydrogen burned as fuel, 10 t: 93.5 t SMR CO2 less 333.3 MWh of gas × 0.202.
    const h2Supply = supply('hydrogen', { currentHandling: 'fuel' });
    expect(
      distanceFreeScoreInto(out, h2Supply, demand('hydrogen', { currentSource: 'smr_hydrogen' }), 10),
    ).toBe(true);
    expect(out.net).toBeCloseTo(93.5 - 333.3 * 0.202, 9);
    expect(out.energySaved).toBeCloseTo((10 * 9.35) / 0.202 - 333.3, 9);
    expect(distanceFreeScoreInto(out, supply('heat'), demand('heat'), 10)).toBe(false);
  });

  it('distanceFreeScoreInto gives every qualifying CO2 and hydrogen pair its net and energy, float for float', () => {
    const handlings = [null, 'vented', 'fuel', 'sold_elsewhere', 'flared'] as const;
    const sources = [null, 'gas_combustion_co2', 'purchased_liquid_co2', 'smr_hydrogen', 'other'] as const;
    const out = new DistanceFreeFigures();
    fc.assert(
      fc.property(
        fc.constantFrom('co2' as const, 'hydrogen' as const),
        fc.constantFrom(...handlings),
        fc.constantFrom(...sources),
        fc.constantFrom('BE' as const, 'NL' as const),
        fc.double({ min: 0.001, max: 1e6, noNaN: true }),
        fc.double({ min: 0.001, max: 1e6, noNaN: true }),
        (category, handling, source, country, sq, dq) => {
          const s = supply(category, {
            annualQuantity: sq,
            site: site(51.2, 3.8, country),
            quality: { purityPct: 99.9 },
            currentHandling: handling,
          });
          const d = demand(category, {
            annualQuantity: dq,
            site: site(51.25, 3.85, 'BE'),
            quality: { purityPct: 95 },
            currentSource: source as StreamFacts['currentSource'],
          });
          const r = scorePair(s, d);
          const known = distanceFreeScoreInto(out, s, d, sq < dq ? sq : dq);
          if (!r.ok) return;
          expect(known).toBe(true);
          expect(Object.is(out.net, r.netCo2)).toBe(true);
          expect(Object.is(out.energySaved, r.energySaved)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  // Two pairs that share one stream, whose other streams have the same class and exchange the same
  // quantity (the same one, or two that both exceed the shared stream's) but differ in everything else a
  // pair reads (site, purity, availability, reach): when both qualify, the same score and energy, a
  // route of distance × distanceFreeRoutePerKm, and a chord that bounds the distance from below (what a
  // matcher skips candidates by).
  it('pairs whose other streams share class and exchanged quantity score alike and rank by distance', () => {
    const handlings = [null, 'vented', 'fuel', 'sold_elsewhere', 'flared'] as const;
    const sources = [null, 'gas_combustion_co2', 'purchased_liquid_co2', 'smr_hydrogen'] as const;
    const place = fc.record({
      lat: fc.double({ min: 50.9, max: 51.9, noNaN: true }),
      lon: fc.double({ min: 3.2, max: 4.6, noNaN: true }),
      country: fc.constantFrom('BE' as const, 'NL' as const),
      purity: fc.constantFrom(95, 99.5, 99.9),
      from: fc.constantFrom(null, '2026-01-01', '2027-06-01'),
      maxKm: fc.constantFrom(null, 20, 80),
    });
    fc.assert(
      fc.property(
        fc.constantFrom('co2' as const, 'hydrogen' as const),
        fc.boolean(),
        fc.constantFrom(...handlings),
        fc.constantFrom(...sources),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        place,
        place,
        place,
        (category, sharedIsSupply, handling, source, sharedQty, otherQty, more, at, a, b) => {
          const make = (direction: 'supply' | 'demand', p: typeof at, qty: number): StreamFacts =>
            (direction === 'supply' ? supply : demand)(category, {
              annualQuantity: qty,
              site: site(p.lat, p.lon, direction === 'supply' && p !== at ? at.country : p.country),
              quality: { purityPct: p.purity },
              availableFrom: p.from,
              maxDistanceKm: p.maxKm,
              ...(direction === 'supply' ? { currentHandling: handling } : { currentSource: source }),
            });
          const shared = make(sharedIsSupply ? 'supply' : 'demand', at, sharedQty);
          const otherSide = sharedIsSupply ? 'demand' : 'supply';
          // The two others: same class (a supply's country is taken from `at`, see make), and the same
          // quantity or two at least the shared stream's: the same smaller quantity either way.
          const o1 = make(otherSide, a, otherQty);
          const o2 = make(otherSide, b, otherQty >= sharedQty ? sharedQty + more : otherQty);
          expect(scoreClassOf(o1)).toBe(scoreClassOf(o2));
          const score = (o: StreamFacts) => (sharedIsSupply ? scorePair(shared, o) : scorePair(o, shared));
          const [r1, r2] = [score(o1), score(o2)];
          const perKm = distanceFreeRoutePerKm(category);
          for (const [r, o] of [
            [r1, o1],
            [r2, o2],
          ] as const) {
            if (!r.ok) continue;
            expect(r.routeKm).toBe(r.distanceKm * perKm);
            const [ax, ay, az] = unitVector(shared.site.latitude, shared.site.longitude);
            const [bx, by, bz] = unitVector(o.site.latitude, o.site.longitude);
            expect(chordKm(ax, ay, az, bx, by, bz) * (1 - 1e-9)).toBeLessThanOrEqual(r.distanceKm + 1e-9);
          }
          if (r1.ok && r2.ok) {
            expect([r1.netCo2, r1.energySaved, r1.exchanged]).toEqual([
              r2.netCo2,
              r2.energySaved,
              r2.exchanged,
            ]);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
