import fc from 'fast-check';
import { WATER_QUALITIES, type MaterialType } from '@symbiose/engine';
import { matchFromScratch } from './full-match';
import { heatStream } from './matchable-stream.builder';
import { MatchableStream } from './matching.types';
import { scorePairOf } from './pair-scoring';
import { pairKey, selectKeptPairs } from './pair-ranking';

/** Every qualifying pair of streams of two companies, scored, and the kept set brute force gives. */
function bruteForce(streams: readonly MatchableStream[], k: number) {
  const all = [];
  for (const s of streams.filter((x) => x.direction === 'supply')) {
    for (const d of streams.filter((x) => x.direction === 'demand')) {
      if (s.companyId === d.companyId) continue;
      const p = scorePairOf(s, d);
      if (p) all.push(p);
    }
  }
  return { all, expected: selectKeptPairs(all, k) };
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
            heatStream(i, s.supply ? 'supply' : 'demand', s.lat, s.lon, s.qty, s.temp),
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
          expect(result.kept).toHaveLength(expected.size);
          // Each side scores or skips every qualifying pair once; a skipped one is never counted as qualifying.
          expect(result.qualifying).toBeLessThanOrEqual(2 * all.length);
          expect(result.qualifying + result.skipped).toBeGreaterThanOrEqual(2 * all.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves whole quantity tiers unscored when they cannot reach a K-th best, and keeps what brute force keeps', async () => {
    // 700 supplies and 700 demands in one zone (partitions large enough to be split into quantity
    // tiers), quantities spread over four orders of magnitude, temperatures that need a heat pump or not.
    const specs = fc.sample(
      fc.record({
        lat: fc.double({ min: 51.05, max: 51.15, noNaN: true }),
        lon: fc.double({ min: 3.75, max: 3.85, noNaN: true }),
        magnitude: fc.double({ min: 0, max: 4, noNaN: true }),
        temp: fc.double({ min: 60, max: 120, noNaN: true }),
      }),
      { seed: 7, numRuns: 1400 },
    );
    const streams: MatchableStream[] = specs.map((x, i) => {
      const s = heatStream(
        i,
        i % 2 === 0 ? 'supply' : 'demand',
        x.lat,
        x.lon,
        10 * 10 ** x.magnitude,
        x.temp,
      );
      return i % 5 === 3 ? { ...s, currentSource: 'electric_boiler' } : s;
    });
    const all = [];
    for (const s of streams.filter((x) => x.direction === 'supply')) {
      for (const d of streams.filter((x) => x.direction === 'demand')) {
        const p = scorePairOf(s, d);
        if (p) all.push(p);
      }
    }
    for (const k of [1, 5]) {
      const expected = selectKeptPairs(all, k);
      const result = await matchFromScratch(streams, k);
      expect(new Set(result.kept.map((p) => pairKey(p.supplyId, p.demandId)))).toEqual(expected);
      expect(result.kept).toHaveLength(expected.size);
      // Every candidate is scored or left unscored once per side, tiers left whole included.
      expect(result.scored + result.skipped).toBe(2 * 700 * 700);
      expect(result.scored).toBeLessThan(0.05 * 2 * 700 * 700);
    }
    // 1.4 million candidate pairs brute-forced: 2–5 s on 2 cores.
  }, 30_000);

  it('bounds groups of a quantity tier by their per-unit ceiling, and keeps what brute force keeps', async () => {
    // Small supplies against large demands: every quantity tier bounds a supply's pairs the same, by its
    // own quantity. The demands' boilers (gas, Belgian or Dutch electric) set three per-unit ceilings,
    // so each tier of 256 or more demands is split in three groups bounded apart.
    const specs = fc.sample(
      fc.record({
        lat: fc.double({ min: 51.05, max: 51.15, noNaN: true }),
        lon: fc.double({ min: 3.75, max: 3.85, noNaN: true }),
        magnitude: fc.double({ min: 0, max: 1, noNaN: true }),
        temp: fc.double({ min: 60, max: 120, noNaN: true }),
      }),
      { seed: 11, numRuns: 1800 },
    );
    const streams: MatchableStream[] = specs.map((x, i) => {
      const supply = i % 2 === 0;
      const s = heatStream(
        i,
        supply ? 'supply' : 'demand',
        x.lat,
        x.lon,
        (supply ? 10 : 1000) * 10 ** x.magnitude,
        x.temp,
      );
      const country = i % 3 === 0 ? 'NL' : 'BE';
      return {
        ...s,
        site: { ...s.site, country },
        currentSource: supply ? null : i % 3 === 1 ? 'natural_gas_boiler' : 'electric_boiler',
      };
    });
    const { all } = bruteForce(streams, 1);
    for (const k of [1, 5]) {
      const expected = selectKeptPairs(all, k);
      const result = await matchFromScratch(streams, k);
      expect(new Set(result.kept.map((p) => pairKey(p.supplyId, p.demandId)))).toEqual(expected);
      expect(result.kept).toHaveLength(expected.size);
      expect(result.scored + result.skipped).toBe(2 * 900 * 900);
      expect(result.scored).toBeLessThan(0.05 * 2 * 900 * 900);
    }
  }, 30_000);

  it('skips candidates that cannot enter a top K, hands final pairs over in batches, and keeps the same set', async () => {
    // 60 supplies and 60 demands in one zone, quantities spread over three orders of magnitude.
    const streams: MatchableStream[] = [];
    for (let i = 0; i < 120; i++) {
      const lat = 51.05 + ((i * 37) % 100) / 1000;
      const lon = 3.75 + ((i * 53) % 100) / 1000;
      const s = heatStream(i, i % 2 === 0 ? 'supply' : 'demand', lat, lon, 100 * 1.06 ** (120 - i), 90);
      // Every other demand heats with an electric boiler in BE (0.167 t/MWh against gas's 0.224): a
      // small supply whose K best are gas boilers cannot do better with it, nor can the big demand.
      streams.push(i % 4 === 3 ? { ...s, currentSource: 'electric_boiler' } : s);
    }
    const all = [];
    for (const s of streams.filter((x) => x.direction === 'supply')) {
      for (const d of streams.filter((x) => x.direction === 'demand')) {
        const p = scorePairOf(s, d);
        if (p) all.push(p);
      }
    }
    const k = 3;
    const expected = selectKeptPairs(all, k);
    const batches: number[] = [];
    const handed: string[] = [];
    const result = await matchFromScratch(streams, k, undefined, {
      batch: 7,
      take: (pairs) => {
        batches.push(pairs.length);
        for (const p of pairs) handed.push(pairKey(p.supplyId, p.demandId));
      },
    });
    expect(new Set(result.kept.map((p) => pairKey(p.supplyId, p.demandId)))).toEqual(expected);
    expect(result.kept).toHaveLength(expected.size);
    // Each side looks at all 60 × 60 pairs and leaves most unscored: a stream's 2K best ceilings
    // decide its K-th best.
    expect(result.scored + result.skipped).toBe(2 * 60 * 60);
    expect(result.skipped).toBeGreaterThan(result.scored);
    // What was handed over is exactly the first pairs of `kept`, in batches of at least 7.
    expect(result.handedOver).toBe(handed.length);
    expect(handed).toEqual(
      result.kept.slice(0, result.handedOver).map((p) => pairKey(p.supplyId, p.demandId)),
    );
    expect(batches.length).toBeGreaterThan(3);
    expect(Math.min(...batches)).toBeGreaterThanOrEqual(7);
    expect(new Set(handed).size).toBe(handed.length);
  });

  it("gives every kept pair the engine's numbers, also once the run's number store has grown", async () => {
    // 100 supplies × 100 demands in one zone, K = 60: over 4,096 pair objects (the store's first size).
    const streams: MatchableStream[] = [];
    for (let i = 0; i < 200; i++) {
      const lat = 51.05 + ((i * 37) % 100) / 1000;
      const lon = 3.75 + ((i * 53) % 100) / 1000;
      streams.push(heatStream(i, i % 2 === 0 ? 'supply' : 'demand', lat, lon, 1000 + 37 * i, 90));
    }
    const byId = new Map(streams.map((s) => [s.id, s]));
    const result = await matchFromScratch(streams, 60);
    expect(result.kept.length).toBeGreaterThan(4096);
    for (const p of result.kept) {
      const expected = scorePairOf(byId.get(p.supplyId)!, byId.get(p.demandId)!)!;
      expect(JSON.parse(JSON.stringify(p))).toEqual(expected);
      expect([p.score, p.energy, p.routeKm, p.distanceKm, p.exchanged, p.gross, p.deducted]).toEqual([
        expected.score,
        expected.energy,
        expected.routeKm,
        expected.distanceKm,
        expected.exchanged,
        expected.gross,
        expected.deducted,
      ]);
    }
  });

  it('equals brute force across partitions: materials by type, water by quality, CO2 and hydrogen by purity', async () => {
    const qualifyingBy = { heat: 0, material: 0, water: 0, co2: 0, hydrogen: 0 } as Record<string, number>;
    const arbStream = fc.record({
      supply: fc.boolean(),
      lat: fc.double({ min: 51.0, max: 51.3, noNaN: true }),
      lon: fc.double({ min: 3.6, max: 4.0, noNaN: true }),
      category: fc.constantFrom(
        'heat' as const,
        'material' as const,
        'water' as const,
        'co2' as const,
        'hydrogen' as const,
      ),
      // Supplies less pure than a demand needs are skipped unscored; equal purity qualifies.
      purity: fc.constantFrom(95, 98, 99.5, 99.9, 99.99),
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
            const base = heatStream(i, x.supply ? 'supply' : 'demand', x.lat, x.lon, x.qty, x.temp);
            const companyId = `company-${x.company}`;
            if (x.category === 'heat') return { ...base, companyId };
            if (x.category === 'co2' || x.category === 'hydrogen') {
              return {
                ...base,
                companyId,
                category: x.category,
                quality: { purityPct: x.purity },
                currentHandling: x.supply ? 'vented' : null,
                currentSource: x.supply ? null : x.category === 'co2' ? 'gas_combustion_co2' : 'smr_hydrogen',
              };
            }
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
          const { all, expected } = bruteForce(streams, k);
          for (const p of all) qualifyingBy[p.category]++;
          const result = await matchFromScratch(streams, k);
          expect(new Set(result.kept.map((p) => pairKey(p.supplyId, p.demandId)))).toEqual(expected);
          expect(result.kept).toHaveLength(expected.size);
          expect(result.qualifying).toBeLessThanOrEqual(2 * all.length);
          expect(result.qualifying + result.skipped).toBeGreaterThanOrEqual(2 * all.length);
        },
      ),
      { numRuns: 100 },
    );
    // The generator must reach the qualifying branch of every category, or the property proves little.
    for (const n of Object.values(qualifyingBy)) expect(n).toBeGreaterThan(20);
  });
  describe('CO2 and hydrogen, where a pair scores by score class and quantity alone', () => {
    // Few quantities and classes, so many candidates tie with a stream's K-th best on score and energy.
    const arbStream = fc.record({
      supply: fc.boolean(),
      lat: fc.double({ min: 51.0, max: 51.6, noNaN: true }),
      lon: fc.double({ min: 3.6, max: 4.2, noNaN: true }),
      category: fc.constantFrom('co2' as const, 'hydrogen' as const),
      purity: fc.constantFrom(95, 99.5, 99.9),
      qty: fc.constantFrom(100, 500, 1000, 5000),
      handling: fc.constantFrom(null, 'vented' as const, 'fuel' as const, 'flared' as const),
      source: fc.constantFrom(null, 'gas_combustion_co2' as const, 'smr_hydrogen' as const),
      netherlands: fc.boolean(),
      company: fc.integer({ min: 0, max: 4 }),
    });
    type Spec = typeof arbStream extends fc.Arbitrary<infer T> ? T : never;
    const streamsOf = (specs: Spec[]): MatchableStream[] =>
      specs.map((x, i) => {
        const base = heatStream(i, x.supply ? 'supply' : 'demand', x.lat, x.lon, x.qty, 90);
        return {
          ...base,
          companyId: `company-${x.company}`,
          category: x.category,
          quality: { purityPct: x.purity },
          site: { ...base.site, country: x.netherlands ? 'NL' : 'BE' },
          currentHandling: x.supply ? x.handling : null,
          currentSource: x.supply ? null : x.source,
        };
      });

    it('keeps what brute force keeps', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(arbStream, { minLength: 10, maxLength: 80 }),
          fc.integer({ min: 1, max: 3 }),
          async (specs, k) => {
            const streams = streamsOf(specs);
            const { all, expected } = bruteForce(streams, k);
            const result = await matchFromScratch(streams, k);
            expect(new Set(result.kept.map((p) => pairKey(p.supplyId, p.demandId)))).toEqual(expected);
            expect(result.kept).toHaveLength(expected.size);
            expect(result.qualifying + result.skipped).toBeGreaterThanOrEqual(2 * all.length);
          },
        ),
        { numRuns: 150 },
      );
    });

    it('leaves candidates that would tie with the K-th best from farther away unscored', async () => {
      const streams = streamsOf(fc.sample(arbStream, { seed: 11, numRuns: 600 }));
      const k = 3;
      const { all, expected } = bruteForce(streams, k);
      const result = await matchFromScratch(streams, k);
      expect(new Set(result.kept.map((p) => pairKey(p.supplyId, p.demandId)))).toEqual(expected);
      // Every qualifying pair is looked at from both sides; with ties skipped, far fewer are scored.
      expect(all.length).toBeGreaterThan(10_000);
      // 7,451 of 25,024 here; 11,574 without the tie rule.
      expect(result.scored).toBeLessThan(0.4 * 2 * all.length);
    });
  });
});
