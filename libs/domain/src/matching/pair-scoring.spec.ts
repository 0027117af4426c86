import fc from 'fast-check';
import { MatchableStream } from './matching.types';
import { scoreAgainst, scoreAgainstBounded } from './pair-scoring';
import { pairKey, topK } from './pair-ranking';

function stream(
  i: number,
  direction: 'supply' | 'demand',
  lat: number,
  lon: number,
  temp: number,
  qty: number,
  electric: boolean,
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
    currentSource: direction === 'demand' ? (electric ? 'electric_boiler' : 'natural_gas_boiler') : null,
    site: { latitude: lat, longitude: lon, country: 'BE', hasQuay: false, hasRail: false },
  };
}

describe('scoreAgainstBounded', () => {
  it('keeps the top K of scoreAgainst, and leaves out only pairs below both K-th bests', () => {
    let skippedSome = false;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            lat: fc.double({ min: 51.0, max: 51.3, noNaN: true }),
            lon: fc.double({ min: 3.6, max: 3.9, noNaN: true }),
            temp: fc.integer({ min: 50, max: 160 }),
            qty: fc.integer({ min: 100, max: 100000 }),
            electric: fc.boolean(),
            floor: fc.option(fc.double({ min: 0, max: 20000, noNaN: true }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        fc.boolean(),
        fc.integer({ min: 1, max: 5 }),
        (specs, ownIsSupply, k) => {
          const [own, ...rest] = specs.map((x, i) =>
            stream(
              i,
              (i === 0) === ownIsSupply ? 'supply' : 'demand',
              x.lat,
              x.lon,
              x.temp,
              x.qty,
              x.electric,
            ),
          );
          const floors = new Map(rest.map((c, i) => [c.id, specs[i + 1].floor ?? -Infinity]));
          const full = scoreAgainst(own, rest);
          const bounded = scoreAgainstBounded(own, rest, k, (c) => floors.get(c.id)!);
          const key = (p: { supplyId: string; demandId: string }) => pairKey(p.supplyId, p.demandId);
          expect(new Set(topK(bounded.pairs, k).map(key))).toEqual(new Set(topK(full, k).map(key)));
          const scored = new Set(bounded.pairs.map(key));
          const fullKeys = new Set(full.map(key));
          for (const p of bounded.pairs) expect(fullKeys.has(key(p))).toBe(true);
          for (const p of full) {
            if (scored.has(key(p))) continue;
            const counterpart = ownIsSupply ? p.demandId : p.supplyId;
            expect(p.score).toBeLessThan(floors.get(counterpart)!);
          }
          if (bounded.skipped > 0) skippedSome = true;
        },
      ),
      { numRuns: 300, seed: 20261129 },
    );
    expect(skippedSome).toBe(true);
  });
});
