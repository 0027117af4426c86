import type {
  Category,
  Country,
  DemandSource,
  SiteFacts,
  StreamFacts,
  StreamQuality,
  SupplyHandling,
} from '../domain.types';

/** Test helpers: streams with sensible defaults, overridable field by field. */

export function site(
  latitude = 51,
  longitude = 3.8,
  country: Country = 'NL',
  hasQuay = false,
  hasRail = false,
): SiteFacts {
  return { latitude, longitude, country, hasQuay, hasRail };
}

const DEFAULT_QUALITY: Readonly<Record<Category, StreamQuality>> = {
  heat: { temperatureC: 90, medium: 'hot_water' },
  co2: { purityPct: 99.5 },
  hydrogen: { purityPct: 99.5 },
  material: { materialType: 'gypsum' },
  water: { quality: 'process_water' },
};
const DEFAULT_HANDLING: Readonly<Record<Category, SupplyHandling>> = {
  heat: 'cooling_tower',
  co2: 'vented',
  hydrogen: 'vented',
  material: 'landfill',
  water: 'discharged',
};
const DEFAULT_SOURCE: Readonly<Record<Category, DemandSource>> = {
  heat: 'natural_gas_boiler',
  co2: 'gas_combustion_co2',
  hydrogen: 'smr_hydrogen',
  material: 'purchased_virgin',
  water: 'mains_water',
};

export function supply(category: Category, over: Partial<StreamFacts> = {}): StreamFacts {
  return {
    id: 'S',
    direction: 'supply',
    category,
    annualQuantity: 1000,
    quality: DEFAULT_QUALITY[category],
    currentHandling: DEFAULT_HANDLING[category],
    site: site(),
    ...over,
  };
}

export function demand(category: Category, over: Partial<StreamFacts> = {}): StreamFacts {
  return {
    id: 'D',
    direction: 'demand',
    category,
    annualQuantity: 1000,
    quality: DEFAULT_QUALITY[category],
    currentSource: DEFAULT_SOURCE[category],
    site: site(),
    ...over,
  };
}

/** A site `dLat` degrees north of the default one: great-circle distance = R × dLat × π / 180 exactly. */
export function north(dLat: number, country: Country = 'NL', hasQuay = false, hasRail = false): SiteFacts {
  return site(51 + dLat, 3.8, country, hasQuay, hasRail);
}
