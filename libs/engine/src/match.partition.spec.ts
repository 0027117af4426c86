import fc from 'fast-check';
import { CATEGORIES, DEMAND_SOURCES, SUPPLY_HANDLINGS, type StreamFacts } from './domain.types';
import { counterpartPartitions, partitionOf, purityPctOf } from './match.partition';
import { MATERIAL_TYPES } from './material.taxonomy';
import { scorePair } from './pair.engine';
import { demand, supply } from './testing/stream.fixtures';
import { WATER_QUALITIES } from './water.taxonomy';

const REJECTIONS_BY_PARTITION = new Set([
  'incompatible_material',
  'missing_factor',
  'incompatible_water_quality',
]);

function qualityVariants(category: (typeof CATEGORIES)[number]): StreamFacts['quality'][] {
  if (category === 'material') return MATERIAL_TYPES.map((materialType) => ({ materialType }));
  if (category === 'water') return WATER_QUALITIES.map((quality) => ({ quality }));
  return [supply(category).quality];
}

describe('candidate partitions', () => {
  it('hand-checked rows: what a supply serves', () => {
    expect(counterpartPartitions(supply('heat'))).toEqual(['heat']);
    expect(partitionOf(demand('co2'))).toBe('co2');
    expect(counterpartPartitions(supply('water', { quality: { quality: 'cooling_water' } }))).toEqual([
      'water:cooling_water',
      'water:treated_effluent',
    ]);
    // Potable water is served by potable supplies only.
    expect(counterpartPartitions(demand('water', { quality: { quality: 'potable' } }))).toEqual([
      'water:potable',
    ]);
    expect(partitionOf(demand('water', { quality: { quality: 'potable' } }))).toBe('water:potable');
    expect(counterpartPartitions(supply('material', { quality: { materialType: 'gypsum' } }))).toContain(
      'material:gypsum',
    );
    expect(
      counterpartPartitions(supply('material', { quality: { materialType: 'nonsense' as never } })),
    ).toEqual([]);
    expect(partitionOf(demand('material', { quality: { materialType: 'nonsense' as never } }))).toBe(
      'material:?',
    );
  });

  // Every supply quality × demand quality × supply handling, at 1 km: a pair outside the supply's
  // partitions is rejected for a compatibility reason, and a pair inside is never rejected for one.
  it.each(CATEGORIES)('%s: outside the partitions means rejected, inside means compatible', (category) => {
    let outside = 0;
    for (const sq of qualityVariants(category)) {
      for (const dq of qualityVariants(category)) {
        for (const handling of SUPPLY_HANDLINGS) {
          const s = supply(category, { quality: sq, currentHandling: handling });
          const d = demand(category, { quality: dq });
          const r = scorePair(s, d);
          const served = counterpartPartitions(s).includes(partitionOf(d));
          // The lists are two views of one table: the demand's view must agree.
          expect(counterpartPartitions(d).includes(partitionOf(s))).toBe(served);
          if (!served) {
            outside++;
            expect(r.ok).toBe(false);
          } else if (!r.ok) {
            expect(REJECTIONS_BY_PARTITION.has(r.reason)).toBe(false);
          }
        }
      }
    }
    if (category === 'material' || category === 'water') expect(outside).toBeGreaterThan(0);
    else expect(outside).toBe(0);
  });

  it('property: a pair the partitions skip is always rejected, wherever the sites and whatever the numbers', () => {
    const arb = fc.record({
      category: fc.constantFrom('material' as const, 'water' as const),
      si: fc.nat(),
      di: fc.nat(),
      quantity: fc.double({ min: 0.001, max: 1e7, noNaN: true }),
      dLat: fc.double({ min: -3, max: 3, noNaN: true }),
      handling: fc.constantFrom(...SUPPLY_HANDLINGS),
    });
    fc.assert(
      fc.property(arb, ({ category, si, di, quantity, dLat, handling }) => {
        const variants = qualityVariants(category);
        const s = supply(category, {
          quality: variants[si % variants.length],
          annualQuantity: quantity,
          currentHandling: handling,
        });
        const d = demand(category, { quality: variants[di % variants.length] });
        d.site = { ...d.site, latitude: d.site.latitude + dLat };
        if (!counterpartPartitions(s).includes(partitionOf(d))) expect(scorePair(s, d).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('purity: hand-checked values', () => {
    expect(purityPctOf(supply('co2', { quality: { purityPct: 99.5 } }))).toBe(99.5);
    expect(purityPctOf(demand('hydrogen', { quality: { purityPct: 98 } }))).toBe(98);
    expect(purityPctOf(supply('co2', { quality: { purityPct: '99' as never } }))).toBeNaN();
    expect(purityPctOf(supply('co2', { quality: { purityPct: Infinity } }))).toBeNaN();
    expect(purityPctOf(supply('heat'))).toBeNaN();
    // A supply offering less than the demand needs is rejected for it; equal purity is enough.
    expect(
      scorePair(
        supply('co2', { quality: { purityPct: 99 } }),
        demand('co2', { quality: { purityPct: 99.5 } }),
      ),
    ).toMatchObject({ ok: false, reason: 'purity_too_low' });
    expect(
      scorePair(
        supply('co2', { quality: { purityPct: 99.5 } }),
        demand('co2', { quality: { purityPct: 99.5 } }),
      ).ok,
    ).toBe(true);
  });

  it('property: a pair whose supply offers less purity than its demand needs is always rejected', () => {
    const purity = fc.oneof(
      fc.double({ min: 80, max: 100, noNaN: true }),
      fc.constantFrom(95, 99, 99.5, 99.9, 99.99, 100),
      fc.constantFrom(NaN, Infinity, -1, '99' as unknown as number),
    );
    const arb = fc.record({
      category: fc.constantFrom('co2' as const, 'hydrogen' as const),
      sp: purity,
      dp: purity,
      quantity: fc.double({ min: 0.001, max: 1e7, noNaN: true }),
      dLat: fc.double({ min: -1.5, max: 1.5, noNaN: true }),
      handling: fc.constantFrom(...SUPPLY_HANDLINGS),
      source: fc.constantFrom(null, ...DEMAND_SOURCES),
    });
    let skipped = 0;
    fc.assert(
      fc.property(arb, ({ category, sp, dp, quantity, dLat, handling, source }) => {
        const s = supply(category, {
          quality: { purityPct: sp },
          annualQuantity: quantity,
          currentHandling: handling,
        });
        const d = demand(category, { quality: { purityPct: dp }, currentSource: source });
        d.site = { ...d.site, latitude: d.site.latitude + dLat };
        if (purityPctOf(s) < purityPctOf(d)) {
          skipped++;
          expect(scorePair(s, d).ok).toBe(false);
        }
      }),
      { numRuns: 2000, seed: 20261129 },
    );
    expect(skipped).toBeGreaterThan(300);
  });
});
