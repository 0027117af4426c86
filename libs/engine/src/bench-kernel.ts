import type {
  Category,
  SiteFacts,
  StreamFacts,
  SupplyHandling,
  DemandSource,
  StreamQuality,
} from './domain.types';
import { CURRENT_FACTOR_SET, type FactorSet } from './factors/factor-set';
import type { MaterialType } from './material.taxonomy';
import { scorePair } from './pair.engine';
import { WATER_QUALITIES } from './water.taxonomy';

/** Small deterministic PRNG (mulberry32): the same seed always gives the same streams. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Mostly quantifiable substitutions, plus one that is rejected for a missing factor.
const BENCH_MATERIALS: readonly MaterialType[] = ['gypsum', 'blast_furnace_slag', 'metal_scrap', 'fly_ash'];

const CATEGORY_MIX: readonly Category[] = [
  'heat',
  'heat',
  'heat',
  'co2',
  'hydrogen',
  'material',
  'material',
  'material',
  'water',
  'water',
];

function site(r: () => number): SiteFacts {
  // The SDR region, roughly Gent to Vlissingen.
  const latitude = 51.05 + r() * 0.45;
  const longitude = 3.55 + r() * 0.45;
  return {
    latitude,
    longitude,
    country: latitude > 51.3 ? 'NL' : 'BE',
    hasQuay: r() < 0.5,
    hasRail: r() < 0.5,
  };
}

function quality(category: Category, r: () => number): StreamQuality {
  switch (category) {
    case 'heat':
      return { temperatureC: 40 + Math.floor(r() * 120), medium: 'hot_water' };
    case 'co2':
    case 'hydrogen':
      return { purityPct: 98 + r() * 2 };
    case 'material':
      return { materialType: BENCH_MATERIALS[Math.floor(r() * BENCH_MATERIALS.length)] };
    case 'water':
      return { quality: WATER_QUALITIES[Math.floor(r() * WATER_QUALITIES.length)] };
  }
}

const SOURCE: Readonly<Record<Category, DemandSource>> = {
  heat: 'natural_gas_boiler',
  co2: 'gas_combustion_co2',
  hydrogen: 'smr_hydrogen',
  material: 'purchased_virgin',
  water: 'mains_water',
};
const HANDLING: Readonly<Record<Category, SupplyHandling>> = {
  heat: 'cooling_tower',
  co2: 'vented',
  hydrogen: 'fuel',
  material: 'landfill',
  water: 'discharged',
};

/** Deterministic candidate pairs of one category each (the matcher prefilters category and reach). */
export function generateBenchPairs(
  count: number,
  seed = 42,
): { supplies: StreamFacts[]; demands: StreamFacts[] } {
  const r = prng(seed);
  const supplies: StreamFacts[] = [];
  const demands: StreamFacts[] = [];
  for (let i = 0; i < count; i++) {
    const category = CATEGORY_MIX[i % CATEGORY_MIX.length];
    const a = site(r);
    // The counterpart lies within ~25 km, as after a spatial prefilter.
    const b: SiteFacts = {
      ...site(r),
      latitude: a.latitude + (r() - 0.5) * 0.3,
      longitude: a.longitude + (r() - 0.5) * 0.4,
    };
    supplies.push({
      id: `s${i}`,
      direction: 'supply',
      category,
      annualQuantity: 1000 + Math.floor(r() * 100000),
      quality: quality(category, r),
      currentHandling: HANDLING[category],
      regulatoryStatus: category === 'material' ? 'waste' : null,
      site: a,
    });
    const demandQuality = quality(category, r);
    demands.push({
      id: `d${i}`,
      direction: 'demand',
      category,
      annualQuantity: 1000 + Math.floor(r() * 100000),
      // The prefilter only passes material pairs of compatible types.
      quality: category === 'material' ? supplies[i].quality : demandQuality,
      currentSource: SOURCE[category],
      site: b,
    });
  }
  return { supplies, demands };
}

/**
 * Scores n candidate pairs (cycling over a fixed deterministic set) and returns pairs per second.
 * Generation is outside the timed loop; a checksum keeps the optimiser from skipping the work.
 */
export function benchScoreKernel(n: number, factors: FactorSet = CURRENT_FACTOR_SET): number {
  const pool = Math.min(Math.max(1, n), 4096);
  const { supplies, demands } = generateBenchPairs(pool);
  let checksum = 0;
  // Warm-up so the JIT has compiled the hot path before timing.
  for (let i = 0; i < Math.min(n, 20000); i++) {
    const r = scorePair(supplies[i % pool], demands[i % pool], factors);
    if (r.ok) checksum += r.netCo2;
  }
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const r = scorePair(supplies[i % pool], demands[i % pool], factors);
    if (r.ok) checksum += r.netCo2;
  }
  const seconds = (performance.now() - start) / 1000;
  if (Number.isNaN(checksum)) throw new Error('bench: non-finite score');
  return seconds > 0 ? n / seconds : Infinity;
}
