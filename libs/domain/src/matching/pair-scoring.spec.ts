import fc from 'fast-check';
import { CURRENT_FACTOR_SET, WATER_QUALITIES, type MaterialType } from '@symbiose/engine';
import { MatchableStream } from './matching.types';
import { pairKey, topK } from './pair-ranking';
import { scoreAgainst, type ScorePruning } from './pair-scoring';

const CATEGORIES = ['heat', 'material', 'water', 'co2', 'hydrogen'] as const;

function streamOf(
  i: number,
  x: {
    supply: boolean;
    category: (typeof CATEGORIES)[number];
    lat: number;
    lon: number;
    temp: number;
    qty: number;
    purity: number;
    material: string;
    water: (typeof WATER_QUALITIES)[number];
    company: number;
  },
): MatchableStream {
  const base: MatchableStream = {
    id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    companyId: `company-${x.company}`,
    status: 'active',
    version: 1,
    direction: x.supply ? 'supply' : 'demand',
    category: 'heat',
    annualQuantity: x.qty,
    quality: { temperatureC: x.temp, medium: 'hot_water' },
    currentHandling: x.supply ? 'cooling_tower' : null,
    currentSource: x.supply ? null : 'natural_gas_boiler',
    site: { latitude: x.lat, longitude: x.lon, country: 'BE', hasQuay: false, hasRail: false },
  };
  if (x.category === 'heat') return base;
  if (x.category === 'co2' || x.category === 'hydrogen') {
    return {
      ...base,
      category: x.category,
      quality: { purityPct: x.purity },
      currentHandling: x.supply ? 'vented' : null,
      currentSource: x.supply ? null : x.category === 'co2' ? 'gas_combustion_co2' : 'smr_hydrogen',
    };
  }
  return {
    ...base,
    category: x.category,
    quality: x.category === 'material' ? { materialType: x.material as MaterialType } : { quality: x.water },
    currentHandling: x.supply ? 'landfill' : null,
    currentSource: x.supply ? null : x.category === 'material' ? 'purchased_virgin' : 'mains_water',
  };
}

describe('scoreAgainst with pruning', () => {
  it("leaves out only pairs that rank after both the stream's K-th best and the counterpart's K-th; the stream's top K is exact", () => {
    let skippedInAll = 0;
    let scoredInAll = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...CATEGORIES),
        fc.boolean(),
        fc.array(
          fc.record({
            lat: fc.double({ min: 51.0, max: 51.3, noNaN: true }),
            lon: fc.double({ min: 3.6, max: 4.0, noNaN: true }),
            temp: fc.integer({ min: 50, max: 160 }),
            qty: fc.integer({ min: 100, max: 100000 }),
            purity: fc.constantFrom(95, 98, 99.5, 99.9, 99.99),
            material: fc.constantFrom('gypsum', 'blast_furnace_slag', 'metal_scrap', 'fly_ash'),
            water: fc.constantFrom(...WATER_QUALITIES),
            company: fc.integer({ min: 1, max: 8 }),
            // The counterpart's K-th best: unknown, around the pair's own score (ties included), or fixed.
            kth: fc.oneof(
              fc.constant('unknown' as const),
              fc.constantFrom(-1, 0, 1).map((d) => ({ relative: d })),
              fc.double({ min: 0, max: 5000, noNaN: true }).map((v) => ({ absolute: v })),
              // A counterpart whose K-th no pair can beat: only the stream's own K-th best decides.
              fc.constant({ absolute: Infinity }),
            ),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 5 }),
        (category, streamIsSupply, specs, k) => {
          const stream = streamOf(0, {
            ...specs[0],
            supply: streamIsSupply,
            category,
            company: 0,
          });
          const candidates = specs.map((x, i) =>
            streamOf(i + 1, { ...x, supply: !streamIsSupply, category }),
          );
          const full = scoreAgainst(stream, candidates);
          const scoreOf = new Map(full.map((p) => [streamIsSupply ? p.demandId : p.supplyId, p.score]));
          const kthOf = new Map<string, number>();
          candidates.forEach((c, i) => {
            const spec = specs[i].kth;
            const own = scoreOf.get(c.id) ?? 0;
            kthOf.set(
              c.id,
              spec === 'unknown'
                ? -Infinity
                : 'relative' in spec
                  ? own + spec.relative * Math.max(1e-9, Math.abs(own) * 1e-6)
                  : spec.absolute,
            );
          });
          const pruning: ScorePruning = { k, skipped: 0, counterpartKth: (id) => kthOf.get(id)! };
          const pruned = scoreAgainst(stream, candidates, CURRENT_FACTOR_SET, pruning);
          skippedInAll += pruning.skipped;
          scoredInAll += full.length;

          // What is kept is computed exactly as without pruning.
          const byKey = new Map(full.map((p) => [pairKey(p.supplyId, p.demandId), p]));
          for (const p of pruned) expect(p).toEqual(byKey.get(pairKey(p.supplyId, p.demandId)));
          const topFull = topK(full, k);
          expect(topK(pruned, k)).toEqual(topFull);
          // Every pair left out ranks after the stream's K-th best and after the counterpart's K-th.
          const kept = new Set(pruned.map((p) => pairKey(p.supplyId, p.demandId)));
          const kthOwn = topFull.length === k ? topFull[k - 1].score : -Infinity;
          for (const p of full) {
            if (kept.has(pairKey(p.supplyId, p.demandId))) continue;
            expect(p.score).toBeLessThan(kthOwn);
            expect(p.score).toBeLessThan(kthOf.get(streamIsSupply ? p.demandId : p.supplyId)!);
          }
          expect(pruning.skipped).toBeGreaterThanOrEqual(full.length - pruned.length);
        },
      ),
      { numRuns: 300, seed: 20261129 },
    );
    // The property must see both: pairs left out, and most pairs scored.
    expect(skippedInAll).toBeGreaterThan(50);
    expect(scoredInAll).toBeGreaterThan(skippedInAll);
  });
});
