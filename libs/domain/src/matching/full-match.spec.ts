import fc from 'fast-check';
import { WATER_QUALITIES, type MaterialType } from '@symbiose/engine';
import { matchFromScratch } from './full-match';
import { MatchableStream } from './matching.types';
import { scorePairOf } from './pair-scoring';
import { pairKey, selectKeptPairs } from './pair-ranking';

function stream(
  i: number,
  direction: 'supply' | 'demand',
  lat: number,
  lon: number,
  temp: number,
  qty: number,
): MatchableStream {
  return {
    id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    companyId: `company-${i}`,
    status: 'active',
    version: 1,
    direction,
    category: 'heat',
    annualQuantity: qty,
    quality: { temperatureC: temp, medium: 'hot_water' },
    currentHandling: direction === 'supply' ? 'cooling_tower' : null,
    currentSource: direction === 'demand' ? 'natural_gas_boiler' : null,
    site: { latitude: lat, longitude: lon, country: 'BE', hasQuay: false, hasRail: false },
  };
}

describe('matchFromScratch', () => {
  it('equals brute force: all pairs scored, then top K of either side', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            supply: fc.boolean(),
            lat: fc.double({ min: 51.0, max: 51.5, noNaN: true }),
            lon: fc.double({ min: 3.6, max: 4.0, noNaN: true }),
            temp: fc.integer({ min: 50, max: 160 }),
            qty: fc.integer({ min: 100, max: 100000 }),
          }),
          { maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 4 }),
        async (specs, k) => {
          const streams = specs.map((s, i) =>
            stream(i, s.supply ? 'supply' : 'demand', s.lat, s.lon, s.temp, s.qty),
          );
          const all = [];
          for (const s of streams.filter((x) => x.direction === 'supply')) {
            for (const d of streams.filter((x) => x.direction === 'demand')) {
              const p = scorePairOf(s, d);
              if (p) all.push(p);
            }
          }
          const expected = selectKeptPairs(all, k);
          const result = await matchFromScratch(streams, k);
          expect(new Set(result.kept.map((p) => pairKey(p.supplyId, p.demandId)))).toEqual(expected);
          expect(result.qualifying).toBe(all.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('equals brute force across partitions: materials by type, water by quality, mixed categories', async () => {
    const qualifyingBy = { heat: 0, material: 0, water: 0 } as Record<string, number>;
    const arbStream = fc.record({
      supply: fc.boolean(),
      lat: fc.double({ min: 51.0, max: 51.3, noNaN: true }),
      lon: fc.double({ min: 3.6, max: 4.0, noNaN: true }),
      category: fc.constantFrom('heat' as const, 'material' as const, 'water' as const),
      // The three sourced substitutions, one compatible without a factor (fly ash), one never served (wood).
      material: fc.constantFrom('gypsum', 'blast_furnace_slag', 'metal_scrap', 'fly_ash', 'wood'),
      water: fc.constantFrom(...WATER_QUALITIES),
      temp: fc.integer({ min: 50, max: 160 }),
      qty: fc.integer({ min: 100, max: 100000 }),
      company: fc.integer({ min: 0, max: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(arbStream, { minLength: 10, maxLength: 60 }),
        fc.integer({ min: 1, max: 3 }),
        async (specs, k) => {
          const streams: MatchableStream[] = specs.map((x, i) => {
            const base = stream(i, x.supply ? 'supply' : 'demand', x.lat, x.lon, x.temp, x.qty);
            const companyId = `company-${x.company}`;
            if (x.category === 'heat') return { ...base, companyId };
            return {
              ...base,
              companyId,
              category: x.category,
              quality:
                x.category === 'material'
                  ? { materialType: x.material as MaterialType }
                  : { quality: x.water },
              currentHandling: x.supply ? 'landfill' : null,
              currentSource: x.supply ? null : x.category === 'material' ? 'purchased_virgin' : 'mains_water',
            };
          });
          const all = [];
          for (const s of streams.filter((x) => x.direction === 'supply')) {
            for (const d of streams.filter((x) => x.direction === 'demand')) {
              if (s.companyId === d.companyId) continue;
              const p = scorePairOf(s, d);
              if (p) all.push(p);
              if (p) qualifyingBy[p.category]++;
            }
          }
          const expected = selectKeptPairs(all, k);
          const result = await matchFromScratch(streams, k);
          expect(new Set(result.kept.map((p) => pairKey(p.supplyId, p.demandId)))).toEqual(expected);
          expect(result.qualifying).toBe(all.length);
        },
      ),
      { numRuns: 100 },
    );
    // The generator must reach the qualifying branch of every category, or the property proves little.
    for (const n of Object.values(qualifyingBy)) expect(n).toBeGreaterThan(20);
  });
});
