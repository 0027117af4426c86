import fc from 'fast-check';
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
});
