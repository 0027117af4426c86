import {
  CATEGORIES,
  DEMAND_SOURCES_BY_CATEGORY,
  estimatePair,
  isMaterialType,
  isWaterQuality,
  SUPPLY_HANDLINGS,
  toCanonical,
} from '@symbiose/engine';
import {
  coordinateProblems,
  isValidBelgianEnterpriseNumber,
  matchFromScratch,
  pairKey,
} from '@symbiose/domain';
import { countCandidates, naiveAllPairs, qualifyingPairsSample } from './candidates';
import { deterministicUuid, ID_KIND } from './random';
import { createStreamBody, generateRegion, toMatchableStream } from './region.generator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('synthetic region generator', () => {
  const region = generateRegion({ streams: 3000, seed: 7 });

  it('is deterministic: the same seed gives the same data, ids included', () => {
    expect(generateRegion({ streams: 3000, seed: 7 })).toEqual(region);
    expect(generateRegion({ streams: 3000, seed: 8 }).streams[0]).not.toEqual(region.streams[0]);
  });

  it('gives exactly the requested number of streams, with unique UUIDs', () => {
    expect(region.streams).toHaveLength(3000);
    const ids = [...region.companies, ...region.sites, ...region.streams].map((x) => x.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(deterministicUuid(1, ID_KIND.stream, 5)).toBe(deterministicUuid(1, ID_KIND.stream, 5));
  });

  it('produces rows the database constraints and the API accept', () => {
    const registrations = new Set<string>();
    for (const c of region.companies) {
      expect(c.registrationNumber).toMatch(/^[0-9]{8,10}$/);
      if (c.country === 'BE') expect(isValidBelgianEnterpriseNumber(c.registrationNumber)).toBe(true);
      registrations.add(`${c.country}${c.registrationNumber}`);
      expect(c.naceCode).toMatch(/^[0-9]{2}(\.[0-9]{1,2})?$/);
    }
    expect(registrations.size).toBe(region.companies.length);
    for (const s of region.sites) {
      expect(s.region.slice(0, 2)).toBe(s.country);
      expect(coordinateProblems(s.region, s.latitude, s.longitude)).toEqual({});
    }
    for (const s of region.streams) {
      expect(CATEGORIES).toContain(s.category);
      const canonical = toCanonical(s.category, s.quantity);
      expect(canonical.ok && canonical.amount).toBe(s.annualQuantity);
      expect(s.annualQuantity).toBeGreaterThan(0);
      if (s.direction === 'supply') {
        expect(SUPPLY_HANDLINGS).toContain(s.currentHandling);
        expect(s.currentSource).toBeNull();
      } else {
        expect(DEMAND_SOURCES_BY_CATEGORY[s.category]).toContain(s.currentSource);
        expect(s.currentHandling).toBeNull();
      }
      expect((s.category === 'material') === (s.materialType !== null)).toBe(true);
      if (s.category === 'material') expect(isMaterialType(s.materialType)).toBe(true);
      if (s.regulatoryStatus === 'waste') expect(s.ewcCode).toMatch(/^\d{2} \d{2} \d{2}\*?$/);
      if (s.category === 'water')
        expect(isWaterQuality((s.quality as { quality: string }).quality)).toBe(true);
      if (s.availableFrom && s.availableUntil) expect(s.availableUntil >= s.availableFrom).toBe(true);
      expect(createStreamBody(s)[s.category]).toBe(s.quality);
    }
  });

  it('has a realistic mix: heat most common, then material, CO2, water, hydrogen', () => {
    const count = (c: string) => region.streams.filter((s) => s.category === c).length;
    expect(count('heat')).toBeGreaterThan(count('material'));
    expect(count('material')).toBeGreaterThan(count('co2'));
    expect(count('co2')).toBeGreaterThan(count('hydrogen'));
    expect(count('water')).toBeGreaterThan(count('hydrogen'));
  });

  it('produces streams the engine scores (no invalid_input), with qualifying pairs in every category', () => {
    const streams = region.streams.map((s) => toMatchableStream(s));
    const supplies = streams.filter((s) => s.direction === 'supply');
    const demands = streams.filter((s) => s.direction === 'demand');
    const qualifyingCategories = new Set<string>();
    for (const s of supplies.slice(0, 150)) {
      for (const d of demands) {
        if (d.category !== s.category) continue;
        const r = estimatePair(s, d);
        if (!r.ok) expect(r.reason).not.toBe('invalid_input');
        else qualifyingCategories.add(s.category);
      }
    }
    expect([...qualifyingCategories].sort()).toEqual([...CATEGORIES].sort());
  });
});

describe('candidate pairs', () => {
  it('counts exactly the candidates the product’s matchFromScratch scores or skips (same reach boxes)', async () => {
    const streams = generateRegion({ streams: 1500, seed: 11 }).streams.map((s) => toMatchableStream(s));
    const product = await matchFromScratch(streams, 50);
    const counted = countCandidates(streams);
    // Each stream looks at the candidates inside its own reach box and scores or skips (ceiling, purity,
    // heat temperatures) every one of them.
    expect(product.scored + product.skipped).toBe(counted.examined);
    expect(counted.examined).toBeGreaterThan(counted.candidates);
    expect(product.skipped).toBeGreaterThan(0);
    expect(counted.allPairs).toBeGreaterThanOrEqual(counted.candidates);
    const naive = naiveAllPairs(streams, 50, 10_000);
    expect(naive.totalPairs).toBe(counted.allPairs);
    const sample = qualifyingPairsSample(streams, 200);
    expect(sample).toHaveLength(200);
    expect(new Set(sample.map((p) => pairKey(p.supplyId, p.demandId))).size).toBe(200);
  });
});
