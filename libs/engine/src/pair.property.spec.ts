import fc from 'fast-check';
import {
  CATEGORIES,
  DEMAND_SOURCES,
  DEMAND_SOURCES_BY_CATEGORY,
  SUPPLY_HANDLINGS,
  type Category,
  type SiteFacts,
  type StreamFacts,
  type StreamQuality,
} from './domain.types';
import { CURRENT_FACTOR_SET } from './factors/factor-set';
import { MATERIAL_TYPES } from './material.taxonomy';
import { estimatePair, estimateForQuantity, scorePair, ScoreBuffer, scorePairInto } from './pair.engine';
import { FLAG_BIT, flagsFromMask, type Explanation, type PairEstimate } from './pair.types';
import { compareEstimates, type RankableEstimate } from './ranking';
import {
  arrivalCeiling,
  arrivalLossPerKm,
  beyondReach,
  deductionPerUnitKm,
  distanceCeiling,
  heatPairCeiling,
  type HeatPairCeiling,
  heatPumpingPerUnitKm,
  pairCeilingOf,
  heatUnitCeiling,
  pairScoreCeiling,
  perUnitCeiling,
} from './score.ceiling';
import { chordKm, greatCircleKm, unitVector } from './geo.distance';
import { maxReachKm } from './transport.route';
import { WATER_QUALITIES } from './water.taxonomy';

const RUNS = { numRuns: 400 };

const arbSite: fc.Arbitrary<SiteFacts> = fc.record({
  latitude: fc.double({ min: 51.0, max: 51.5, noNaN: true }),
  longitude: fc.double({ min: 3.5, max: 4.0, noNaN: true }),
  country: fc.constantFrom('BE' as const, 'NL' as const),
  hasQuay: fc.boolean(),
  hasRail: fc.boolean(),
});

function arbQuality(category: Category): fc.Arbitrary<StreamQuality> {
  switch (category) {
    case 'heat':
      return fc.record({
        temperatureC: fc.oneof(
          fc.integer({ min: 20, max: 200 }),
          fc.double({ min: 20, max: 200, noNaN: true }),
        ),
        medium: fc.constantFrom('hot_water' as const, 'steam' as const),
      });
    case 'co2':
    case 'hydrogen':
      return fc.record({
        purityPct: fc.oneof(
          fc.constantFrom(98, 99, 99.5, 99.9),
          fc.double({ min: 95, max: 100, noNaN: true }),
        ),
      });
    case 'material':
      return fc.record({ materialType: fc.constantFrom(...MATERIAL_TYPES) });
    case 'water':
      return fc.record({ quality: fc.constantFrom(...WATER_QUALITIES) });
  }
}

const arbDate = fc.option(
  fc.constantFrom('2025-06-30', '2026-01-01', '2026-04-01', '2026-12-31', '2027-06-30'),
  { nil: null },
);
const arbQuantity = fc.oneof(
  fc.integer({ min: 1, max: 1_000_000 }),
  fc.double({ min: 0.001, max: 1e7, noNaN: true }),
);

function arbStream(
  category: Category,
  direction: 'supply' | 'demand',
  id: string,
  at?: SiteFacts,
): fc.Arbitrary<StreamFacts> {
  return fc.record({
    id: fc.constant(id),
    direction: fc.constant(direction),
    category: fc.constant(category),
    annualQuantity: arbQuantity,
    quality: arbQuality(category),
    currentHandling:
      direction === 'supply'
        ? fc.option(fc.constantFrom(...SUPPLY_HANDLINGS), { nil: null })
        : fc.constant(null),
    currentSource:
      direction === 'demand'
        ? fc.oneof(
            { weight: 8, arbitrary: fc.constantFrom(...DEMAND_SOURCES_BY_CATEGORY[category]) },
            { weight: 1, arbitrary: fc.option(fc.constantFrom(...DEMAND_SOURCES), { nil: null }) },
          )
        : fc.constant(null),
    availableFrom: arbDate,
    availableUntil: arbDate,
    maxDistanceKm: fc.option(fc.double({ min: 0, max: 60, noNaN: true }), { nil: null, freq: 4 }),
    regulatoryStatus: fc.option(
      fc.constantFrom('waste' as const, 'by_product' as const, 'end_of_waste' as const),
      {
        nil: null,
      },
    ),
    site: at === undefined ? arbSite : fc.constant(at),
  });
}

const arbPair = fc
  .constantFrom(...CATEGORIES)
  .chain((category) => fc.tuple(arbStream(category, 'supply', 'S'), arbStream(category, 'demand', 'D')));

/**
 * Pairs that mostly qualify: sites within `dLat`/`dLon` degrees, matching needs, so the ok branch gets
 * exercised too.
 */
const likelyPairs = (categories: readonly Category[], maxDLat: number, maxDLon: number) =>
  fc.constantFrom(...categories).chain((category) =>
    arbSite.chain((s) =>
      fc
        .record({
          dLat: fc.double({ min: -maxDLat, max: maxDLat, noNaN: true }),
          dLon: fc.double({ min: -maxDLon, max: maxDLon, noNaN: true }),
        })
        .chain(({ dLat, dLon }) =>
          fc.tuple(
            arbStream(category, 'supply', 'S', s),
            arbStream(category, 'demand', 'D', {
              ...s,
              latitude: s.latitude + dLat,
              longitude: s.longitude + dLon,
            }),
          ),
        )
        .map(([sup, dem]) => {
          const q = dem.quality;
          // Make the demand's need one the supply can meet more often than chance would.
          if (category === 'material') return [sup, { ...dem, quality: sup.quality }] as const;
          if (category === 'water')
            return [sup, { ...dem, quality: { quality: 'cooling_water' as const } }] as const;
          if (category === 'co2' || category === 'hydrogen')
            return [sup, { ...dem, quality: { purityPct: 95 } }] as const;
          return [sup, { ...dem, quality: q }] as const;
        })
        .map(
          ([sup, dem]) =>
            [
              { ...sup, availableFrom: null, availableUntil: null },
              { ...dem, availableFrom: null, availableUntil: null, maxDistanceKm: null },
            ] as const,
        ),
    ),
  );

const arbLikelyPair = likelyPairs(CATEGORIES, 0.15, 0.2);

/** A stream's temperature as the matchers read it (NaN when it is not a number). */
const temperature = (x: StreamFacts) => {
  const t = (x.quality as { temperatureC?: unknown }).temperatureC;
  return typeof t === 'number' ? t : NaN;
};

/** The pair's score ceiling as both matchers work it out per candidate (pairCeilingOf). */
const matcherCeiling = (heat: HeatPairCeiling | null, s: StreamFacts, d: StreamFacts) =>
  pairCeilingOf(
    heat,
    s.annualQuantity,
    perUnitCeiling(s),
    temperature(s),
    d.annualQuantity,
    perUnitCeiling(d),
    temperature(d),
    d.site.country === 'BE',
  );
const arbAny = fc.oneof(arbPair, arbLikelyPair);

describe('engine properties', () => {
  it('scorePair, scorePairInto and estimatePair agree exactly', () => {
    const buf = new ScoreBuffer();
    fc.assert(
      fc.property(arbAny, ([s, d]) => {
        const fast = scorePair(s, d);
        const full = estimatePair(s, d);
        const intoOk = scorePairInto(buf, s, d);
        expect(full.ok).toBe(fast.ok);
        expect(intoOk).toBe(fast.ok);
        if (!fast.ok || !full.ok) {
          expect(!full.ok && full.reason).toBe(!fast.ok && fast.reason);
          expect(buf.reason).toBe(!fast.ok && fast.reason);
          return;
        }
        expect(Object.is(full.exchangedQuantity.amount, fast.exchanged)).toBe(true);
        expect(Object.is(full.supplyUsedQuantity.amount, fast.supplyUsed)).toBe(true);
        expect(Object.is(full.distanceKm, fast.distanceKm)).toBe(true);
        expect(Object.is(full.routeKm, fast.routeKm)).toBe(true);
        expect(full.transportMode).toBe(fast.mode);
        expect(Object.is(full.energySavedMWhPerYear, fast.energySaved)).toBe(true);
        expect(Object.is(full.co2AvoidedTonnesPerYear, fast.netCo2)).toBe(true);
        expect(Object.is(full.grossCo2TonnesPerYear, fast.grossCo2)).toBe(true);
        expect(Object.is(full.deductedCo2TonnesPerYear, fast.deductedCo2)).toBe(true);
        expect(full.flags).toEqual(flagsFromMask(fast.flagsMask));
        expect(buf.netCo2).toBe(fast.netCo2);
        expect(buf.flagsMask).toBe(fast.flagsMask);
      }),
      RUNS,
    );
  });

  it('exchanged ≤ min(supply, demand); net = gross − deducted ≤ gross; net > 0', () => {
    fc.assert(
      fc.property(arbAny, ([s, d]) => {
        const r = scorePair(s, d);
        if (!r.ok) return;
        expect(r.exchanged).toBeLessThanOrEqual(Math.min(s.annualQuantity, d.annualQuantity));
        expect(r.supplyUsed).toBeLessThanOrEqual(s.annualQuantity);
        expect(r.deductedCo2).toBeGreaterThanOrEqual(0);
        expect(r.netCo2).toBe(r.grossCo2 - r.deductedCo2);
        expect(r.netCo2).toBeLessThanOrEqual(r.grossCo2);
        expect(r.netCo2).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('net never exceeds the pair score ceiling the full matcher skips candidates with', () => {
    let qualified = 0;
    fc.assert(
      fc.property(arbAny, ([s, d]) => {
        const r = scorePair(s, d);
        if (!r.ok) return;
        qualified++;
        const ceiling = pairScoreCeiling(
          s.annualQuantity,
          perUnitCeiling(s),
          d.annualQuantity,
          perUnitCeiling(d),
        );
        expect(r.netCo2).toBeLessThanOrEqual(ceiling);
        const distance = greatCircleKm(s.site.latitude, s.site.longitude, d.site.latitude, d.site.longitude);
        expect(r.netCo2).toBeLessThanOrEqual(ceiling * arrivalCeiling(s.category, distance));
        // Tightened by the distance as the matchers do it: the chord, a lower bound of the distance.
        const [ax, ay, az] = unitVector(s.site.latitude, s.site.longitude);
        const [bx, by, bz] = unitVector(d.site.latitude, d.site.longitude);
        const chord = chordKm(ax, ay, az, bx, by, bz);
        const smaller = Math.min(s.annualQuantity, d.annualQuantity);
        const tightened = distanceCeiling(
          ceiling,
          arrivalLossPerKm(s.category),
          deductionPerUnitKm(s.category),
          smaller,
          chord,
        );
        expect(r.netCo2).toBeLessThanOrEqual(tightened);
      }),
      { numRuns: 4000 },
    );
    expect(qualified).toBeGreaterThan(400);
  });

  it('the matchers skip only pairs the engine rejects: beyond the reach by the chord, or no saving left by the ceiling', () => {
    // Up to about 2 degrees apart: past every category's reach (water 50 km … CO2 100, materials 300).
    const heat = heatPairCeiling();
    let farByChord = 0;
    let noSaving = 0;
    fc.assert(
      fc.property(fc.oneof(arbAny, likelyPairs(CATEGORIES, 1.5, 2.2)), ([s, d]) => {
        const r = scorePair(s, d);
        const [ax, ay, az] = unitVector(s.site.latitude, s.site.longitude);
        const [bx, by, bz] = unitVector(d.site.latitude, d.site.longitude);
        const chord = chordKm(ax, ay, az, bx, by, bz);
        // Each side's matcher checks its own limit.
        for (const own of [s, d]) {
          if (beyondReach(chord, Math.min(maxReachKm(s.category), own.maxDistanceKm ?? Infinity))) {
            farByChord++;
            expect(r.ok).toBe(false);
          }
        }
        const ceiling = matcherCeiling(s.category === 'heat' ? heat : null, s, d);
        const tightened = distanceCeiling(
          ceiling,
          arrivalLossPerKm(s.category),
          deductionPerUnitKm(s.category),
          Math.min(s.annualQuantity, d.annualQuantity),
          chord,
        );
        if (tightened === -Infinity) {
          noSaving++;
          expect(r.ok).toBe(false);
        }
      }),
      { numRuns: 6000 },
    );
    expect(farByChord).toBeGreaterThan(500);
    expect(noSaving).toBeGreaterThan(500);
  });

  it('water and materials: net stays under the ceiling less the deduction per unit and chord km', () => {
    // Up to about 45 km apart (water reaches 50 km, materials 300).
    let tightened = 0;
    fc.assert(
      fc.property(likelyPairs(['water', 'material'], 0.3, 0.45), ([s, d]) => {
        const r = scorePair(s, d);
        if (!r.ok) return;
        const ceiling = pairScoreCeiling(
          s.annualQuantity,
          perUnitCeiling(s),
          d.annualQuantity,
          perUnitCeiling(d),
        );
        const [ax, ay, az] = unitVector(s.site.latitude, s.site.longitude);
        const [bx, by, bz] = unitVector(d.site.latitude, d.site.longitude);
        const chord = chordKm(ax, ay, az, bx, by, bz);
        const perKm = deductionPerUnitKm(s.category);
        const bound = distanceCeiling(ceiling, 0, perKm, Math.min(s.annualQuantity, d.annualQuantity), chord);
        expect(r.netCo2).toBeLessThanOrEqual(bound);
        // How much the distance takes off, where it takes off a tenth or more.
        if (bound < 0.9 * ceiling) tightened++;
      }),
      { numRuns: 3000 },
    );
    expect(tightened).toBeGreaterThan(20);
  });

  it('heat: the engine rejects every pair the temperature ceiling turns away, and net stays under it', () => {
    const heatCeiling = heatPairCeiling();
    let turnedAway = 0;
    let heatPump = 0;
    fc.assert(
      fc.property(arbAny, ([s, d]) => {
        if (s.category !== 'heat' || d.category !== 'heat') return;
        const ts = (s.quality as { temperatureC?: unknown }).temperatureC;
        const td = (d.quality as { temperatureC?: unknown }).temperatureC;
        const unit = heatUnitCeiling(
          heatCeiling,
          typeof ts === 'number' ? ts : NaN,
          typeof td === 'number' ? td : NaN,
          perUnitCeiling(d),
          d.site.country === 'BE',
        );
        const r = scorePair(s, d);
        if (unit === -Infinity) {
          turnedAway++;
          expect(r.ok).toBe(false);
          return;
        }
        if (!r.ok) return;
        if (r.flagsMask & FLAG_BIT.heat_pump_required) heatPump++;
        const ceiling = pairScoreCeiling(s.annualQuantity, perUnitCeiling(s), d.annualQuantity, unit);
        const distance = greatCircleKm(s.site.latitude, s.site.longitude, d.site.latitude, d.site.longitude);
        expect(r.netCo2).toBeLessThanOrEqual(ceiling * arrivalCeiling('heat', distance));
      }),
      { numRuns: 6000 },
    );
    expect(turnedAway).toBeGreaterThan(50);
    expect(heatPump).toBeGreaterThan(50);
  });

  it('heat: net stays under the ceiling less the pumping per unit and chord km; nothing left above 0 is rejected', () => {
    // Up to about 25 km apart (heat reaches 25 great-circle km).
    const heatCeiling = heatPairCeiling();
    let tightened = 0;
    fc.assert(
      fc.property(likelyPairs(['heat'], 0.2, 0.3), ([s, d]) => {
        const ceiling = matcherCeiling(heatCeiling, s, d);
        const [ax, ay, az] = unitVector(s.site.latitude, s.site.longitude);
        const [bx, by, bz] = unitVector(d.site.latitude, d.site.longitude);
        const chord = chordKm(ax, ay, az, bx, by, bz);
        const smaller = Math.min(s.annualQuantity, d.annualQuantity);
        const withoutPumping = distanceCeiling(ceiling, arrivalLossPerKm('heat'), 0, smaller, chord);
        const bound = distanceCeiling(
          ceiling,
          arrivalLossPerKm('heat'),
          heatPumpingPerUnitKm(heatCeiling, temperature(s), temperature(d), s.site.country === 'BE'),
          smaller,
          chord,
        );
        const r = scorePair(s, d);
        if (bound === -Infinity) {
          expect(r.ok).toBe(false);
          return;
        }
        if (!r.ok) return;
        expect(r.netCo2).toBeLessThanOrEqual(bound);
        // Where the pumping takes a twentieth or more off the ceiling without it.
        if (bound < 0.95 * withoutPumping) tightened++;
      }),
      { numRuns: 4000 },
    );
    expect(tightened).toBeGreaterThan(50);
  });

  it('same inputs give the same outputs (also from a deep copy)', () => {
    fc.assert(
      fc.property(arbAny, ([s, d]) => {
        const a = estimatePair(s, d);
        const b = estimatePair(structuredClone(s), structuredClone(d));
        expect(b).toEqual(a);
        expect(scorePair(s, d)).toEqual(scorePair(structuredClone(s), structuredClone(d)));
      }),
      RUNS,
    );
  });

  it('results do not improve with distance, all else fixed', () => {
    const arb = fc.tuple(
      arbLikelyPair,
      fc.double({ min: 0, max: 0.4, noNaN: true }),
      fc.double({ min: 0, max: 0.4, noNaN: true }),
    );
    fc.assert(
      fc.property(arb, ([[s, d0], x, y]) => {
        const [near, far] = x <= y ? [x, y] : [y, x];
        // Move the demand due north of the supply: distance grows with the offset; nothing else changes.
        const at = (dLat: number): StreamFacts => ({
          ...d0,
          site: { ...d0.site, latitude: s.site.latitude + dLat, longitude: s.site.longitude },
        });
        const rn = scorePair(s, at(near));
        const rf = scorePair(s, at(far));
        if (!rf.ok) return;
        expect(rn.ok).toBe(true);
        if (!rn.ok) return;
        expect(rn.distanceKm).toBeLessThanOrEqual(rf.distanceKm);
        // Allow one rounding step: the exact values are monotone, their doubles may tie within an ulp.
        const tol = (v: number) => 1e-12 * Math.max(1, Math.abs(v));
        expect(rf.netCo2).toBeLessThanOrEqual(rn.netCo2 + tol(rn.netCo2));
        expect(rf.energySaved).toBeLessThanOrEqual(rn.energySaved + tol(rn.energySaved));
        expect(rf.exchanged).toBeLessThanOrEqual(rn.exchanged + tol(rn.exchanged));
      }),
      RUNS,
    );
  });

  it('every step is finite, labels are unique, and each formula recomputes its value', () => {
    fc.assert(
      fc.property(arbLikelyPair, ([s, d]) => {
        const r = estimatePair(s, d);
        if (!r.ok) return;
        checkExplanation(r);
      }),
      RUNS,
    );
  });

  it('explanation factors are the factor set entries used; low_confidence_factor iff one is low', () => {
    fc.assert(
      fc.property(arbLikelyPair, ([s, d]) => {
        const r = estimatePair(s, d);
        if (!r.ok) return;
        for (const f of r.explanation.factors) expect(CURRENT_FACTOR_SET.factors[f.id]).toEqual(f);
        const anyLow = r.explanation.factors.some((f) => f.confidence === 'low');
        expect(r.flags.includes('low_confidence_factor')).toBe(anyLow);
      }),
      RUNS,
    );
  });

  it('estimateForQuantity at the annual delivered quantity reproduces the annual estimate', () => {
    fc.assert(
      fc.property(arbLikelyPair, ([s, d]) => {
        const annual = estimatePair(s, d);
        if (!annual.ok) return;
        const q = estimateForQuantity(s, d, annual.exchangedQuantity.amount);
        expect(q.ok).toBe(true);
        if (!q.ok) return;
        const rel = (a: number, b: number) =>
          expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
        rel(q.co2AvoidedTonnesPerYear, annual.co2AvoidedTonnesPerYear);
        rel(q.energySavedMWhPerYear, annual.energySavedMWhPerYear);
        rel(q.supplyUsedQuantity.amount, annual.supplyUsedQuantity.amount);
        expect(q.flags).toEqual(annual.flags);
        checkExplanation(q);
      }),
      RUNS,
    );
  });

  it('compareEstimates is a total order', () => {
    const arbEst: fc.Arbitrary<RankableEstimate> = fc.record({
      co2AvoidedTonnesPerYear: fc.constantFrom(0.5, 1, 2, 1e6),
      energySavedMWhPerYear: fc.constantFrom(-1, 0, 3),
      routeKm: fc.constantFrom(0, 2.5, 10),
      supplyStreamId: fc.constantFrom('a', 'b', 'B'),
      demandStreamId: fc.constantFrom('x', 'y'),
    });
    const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
    const same = (a: RankableEstimate, b: RankableEstimate) =>
      a.co2AvoidedTonnesPerYear === b.co2AvoidedTonnesPerYear &&
      a.energySavedMWhPerYear === b.energySavedMWhPerYear &&
      a.routeKm === b.routeKm &&
      a.supplyStreamId === b.supplyStreamId &&
      a.demandStreamId === b.demandStreamId;
    fc.assert(
      fc.property(arbEst, arbEst, arbEst, (a, b, c) => {
        // Antisymmetric, and total: 0 only for equal keys.
        expect(sign(compareEstimates(a, b)) + sign(compareEstimates(b, a))).toBe(0);
        expect(compareEstimates(a, b) === 0).toBe(same(a, b));
        // Transitive.
        if (compareEstimates(a, b) <= 0 && compareEstimates(b, c) <= 0)
          expect(compareEstimates(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });
});

/** A reader's check: every number can be recomputed from earlier steps and the listed factors alone. */
function checkExplanation(r: PairEstimate): void {
  const ex: Explanation = r.explanation;
  const values = new Map<string, number>();
  for (const f of ex.factors) values.set(f.id, f.value);
  for (const step of ex.steps) {
    expect(Number.isFinite(step.value)).toBe(true);
    expect(values.has(step.label)).toBe(false);
    if (step.formula !== 'input' && step.formula !== 'policy') {
      const v = evaluate(step.formula, values);
      expect(Math.abs(v - step.value)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(step.value)));
    }
    values.set(step.label, step.value);
  }
  const last = (label: string) => ex.steps.filter((s) => s.label === label).map((s) => s.value)[0];
  expect(last('net_co2_t')).toBe(r.co2AvoidedTonnesPerYear);
  expect(last('gross_co2_t')).toBe(r.grossCo2TonnesPerYear);
  expect(last('deducted_co2_t')).toBe(r.deductedCo2TonnesPerYear);
  expect(last('energy_saved_mwh')).toBe(r.energySavedMWhPerYear);
  expect(last('distance_km')).toBe(r.distanceKm);
  expect(last('route_km')).toBe(r.routeKm);
}

/** Tiny recursive-descent evaluator for the formula language of explanation steps. */
function evaluate(formula: string, names: Map<string, number>): number {
  const tokens = formula.match(/\d+(?:\.\d+)?(?:e[-+]?\d+)?|[A-Za-z_][A-Za-z0-9_.]*|[-+*/(),]/g) ?? [];
  expect(tokens.join('')).toBe(formula.replace(/\s+/g, ''));
  let i = 0;
  const peek = () => tokens[i];
  const take = (t?: string) => {
    const tok = tokens[i++];
    if (t !== undefined && tok !== t) throw new Error(`expected ${t} in ${formula}`);
    return tok;
  };
  const args = (): number[] => {
    take('(');
    const out = [expr()];
    while (peek() === ',') {
      take(',');
      out.push(expr());
    }
    take(')');
    return out;
  };
  const atom = (): number => {
    const tok = take();
    if (tok === '(') {
      const v = expr();
      take(')');
      return v;
    }
    if (tok === '-') return -atom();
    if (/^\d/.test(tok)) return Number(tok);
    if (tok === 'min') return Math.min(...args());
    if (tok === 'max') return Math.max(...args());
    if (tok === 'haversine') {
      const [lat1, lon1, lat2, lon2] = args();
      const rad = Math.PI / 180;
      const sLat = Math.sin(((lat2 - lat1) * rad) / 2);
      const sLon = Math.sin(((lon2 - lon1) * rad) / 2);
      const h = sLat * sLat + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * sLon * sLon;
      return 2 * 6371.0088 * Math.asin(Math.sqrt(h));
    }
    const v = names.get(tok);
    if (v === undefined) throw new Error(`unknown name ${tok} in ${formula}`);
    return v;
  };
  const term = (): number => {
    let v = atom();
    while (peek() === '*' || peek() === '/') v = take() === '*' ? v * atom() : v / atom();
    return v;
  };
  function expr(): number {
    let v = term();
    while (peek() === '+' || peek() === '-') v = take() === '+' ? v + term() : v - term();
    return v;
  }
  const v = expr();
  expect(i).toBe(tokens.length);
  return v;
}
