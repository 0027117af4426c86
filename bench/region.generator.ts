/**
 * A seeded synthetic region for benchmarks: companies, sites and residual streams clustered around
 * the industrial zones of Belgium and the Netherlands. Same seed and size, same data (ids included).
 *
 * What is realistic about it, and what is assumed:
 * - Sites scatter around real industrial zones (Gaussian, a few km, clipped at 3 σ) weighted roughly
 *   by the zones' industrial weight; each site's region is the zone's province and its coordinates lie
 *   inside that region's box (libs/domain regions.ts), so the API would accept them.
 * - Category mix: heat most common, then material, CO2, water, hydrogen; tilted by the zone's profile
 *   (steel zones list more slag and scrap, chemical zones more hydrogen and CO2).
 * - Quantities are log-normal per category and direction (medians of the order of real industrial
 *   streams), entered in the units people use (GWh/yr, MW with full-load hours, kt/yr …) and converted
 *   with the engine's own toCanonical, as the API does.
 * - Temperatures, purities and water classes follow the usual industrial spreads (hot-water waste heat
 *   around 75 °C, steam around 180 °C; flue-gas CO2 capture at 95–99 %, chlor-alkali hydrogen 99.9 %…).
 * - Counterfactuals come from the engine's lists (SUPPLY_HANDLINGS, DEMAND_SOURCES_BY_CATEGORY).
 * - Every stream is active (the benchmarks need "N active streams"); availability windows and
 *   maxDistanceKm are set on a minority of streams, with fixed dates (2027–2040) so the data does not
 *   depend on the day it is generated.
 */
import {
  CANONICAL_UNIT,
  Category,
  Co2Phase,
  DEMAND_SOURCES_BY_CATEGORY,
  DemandSource,
  Direction,
  HeatMedium,
  MATERIAL_TAXONOMY,
  MaterialType,
  QuantityInput,
  RegulatoryStatus,
  StreamQuality,
  SUPPLY_HANDLINGS,
  SupplyHandling,
  toCanonical,
  WATER_QUALITIES,
  WaterQualityClass,
} from '@symbiose/engine';
import type { MatchableStream } from '@symbiose/domain';
import { belgianEnterpriseNumber, REGION_MARGIN_KM, REGIONS } from '@symbiose/domain';
import { deterministicUuid, Draw, ID_KIND, roundSignificant, seededRandom } from './random';

const KM_PER_DEGREE_LAT = 111.2;

export type ZoneProfile = 'chemical' | 'steel' | 'port';

export interface IndustrialZone {
  key: string;
  name: string;
  region: string;
  latitude: number;
  longitude: number;
  /** Standard deviation of the scatter, km. */
  sigmaKm: number;
  /** Relative share of the region's sites. */
  weight: number;
  profile: ZoneProfile;
  municipalities: readonly string[];
  /** Share of sites with a quay (barge) and with a rail siding. */
  quayShare: number;
  railShare: number;
}

/** Industrial zones of Belgium and the Netherlands (approximate centres of the industrial areas). */
export const INDUSTRIAL_ZONES: readonly IndustrialZone[] = [
  // prettier-ignore
  ...([
    ['antwerp', 'Antwerp port', 'BE-VAN', 51.275, 4.33, 4.5, 18, 'chemical', ['Antwerpen', 'Zwijndrecht', 'Stabroek'], 0.6, 0.6],
    ['ghent', 'Ghent canal zone', 'BE-VOV', 51.135, 3.785, 3.5, 10, 'steel', ['Gent', 'Evergem', 'Zelzate'], 0.55, 0.55],
    ['terneuzen', 'Terneuzen / Sluiskil', 'NL-ZE', 51.31, 3.82, 3, 7, 'chemical', ['Terneuzen'], 0.6, 0.3],
    ['vlissingen', 'Vlissingen-Oost / Sloe', 'NL-ZE', 51.447, 3.68, 2.5, 4, 'port', ['Borsele', 'Vlissingen'], 0.7, 0.35],
    ['botlek', 'Rotterdam Botlek', 'NL-ZH', 51.88, 4.3, 4, 12, 'chemical', ['Rotterdam', 'Vlaardingen', 'Spijkenisse'], 0.65, 0.4],
    ['maasvlakte', 'Rotterdam Maasvlakte / Europoort', 'NL-ZH', 51.95, 4.05, 4, 6, 'port', ['Rotterdam'], 0.75, 0.35],
    ['moerdijk', 'Moerdijk', 'NL-NB', 51.69, 4.6, 2.5, 6, 'chemical', ['Moerdijk'], 0.6, 0.4],
    ['chemelot', 'Geleen / Chemelot', 'NL-LI', 50.985, 5.795, 2, 7, 'chemical', ['Sittard-Geleen', 'Stein', 'Beek'], 0.3, 0.6],
    ['liege', 'Liège (Seraing, Flémalle)', 'BE-WLG', 50.605, 5.5, 4, 6, 'steel', ['Liège', 'Seraing', 'Flémalle', 'Herstal'], 0.45, 0.6],
    ['charleroi', 'Charleroi', 'BE-WHT', 50.41, 4.445, 4, 6, 'steel', ['Charleroi', 'Châtelet', 'Farciennes'], 0.35, 0.6],
    ['zeebrugge', 'Zeebrugge', 'BE-VWV', 51.33, 3.2, 3, 5, 'port', ['Brugge'], 0.7, 0.5],
    ['delfzijl', 'Delfzijl / Eemshaven', 'NL-GR', 53.315, 6.94, 2.5, 4, 'chemical', ['Eemsdelta', 'Het Hogeland'], 0.6, 0.4],
    ['ijmuiden', 'IJmuiden (Velsen)', 'NL-NH', 52.47, 4.6, 2.5, 5, 'steel', ['Velsen', 'Beverwijk'], 0.7, 0.45],
    ['amsterdam', 'Amsterdam Westpoort', 'NL-NH', 52.41, 4.8, 3, 4, 'port', ['Amsterdam', 'Zaanstad'], 0.7, 0.35],
  ] as const).map(
    ([key, name, region, latitude, longitude, sigmaKm, weight, profile, municipalities, quayShare, railShare]) => ({
      key,
      name,
      region,
      latitude,
      longitude,
      sigmaKm,
      weight,
      profile,
      municipalities,
      quayShare,
      railShare,
    }),
  ),
];

const BASE_CATEGORY_WEIGHTS: Readonly<Record<Category, number>> = {
  heat: 0.38,
  material: 0.26,
  co2: 0.14,
  water: 0.13,
  hydrogen: 0.09,
};
const PROFILE_CATEGORY_TILT: Readonly<Record<ZoneProfile, Partial<Record<Category, number>>>> = {
  chemical: { hydrogen: 1.5, co2: 1.2, material: 0.85 },
  steel: { material: 1.35, heat: 1.1, hydrogen: 0.4, co2: 0.9 },
  port: { co2: 1.1, water: 1.2, hydrogen: 0.8 },
};

/** Share of a category's streams that are supplies. */
const SUPPLY_SHARE: Readonly<Record<Category, number>> = {
  heat: 0.55,
  material: 0.55,
  co2: 0.6,
  water: 0.5,
  hydrogen: 0.4,
};

const MATERIAL_WEIGHTS: Readonly<Record<MaterialType, number>> = {
  gypsum: 0.11,
  blast_furnace_slag: 0.1,
  fly_ash: 0.08,
  steel_slag: 0.08,
  biomass_residue: 0.1,
  spent_sulphuric_acid: 0.05,
  plastics: 0.12,
  wood: 0.1,
  sludge: 0.1,
  glass: 0.05,
  metal_scrap: 0.11,
};
const PROFILE_MATERIAL_TILT: Readonly<Record<ZoneProfile, Partial<Record<MaterialType, number>>>> = {
  chemical: { spent_sulphuric_acid: 2, plastics: 1.5, gypsum: 1.5, blast_furnace_slag: 0.3, steel_slag: 0.3 },
  steel: { blast_furnace_slag: 3, steel_slag: 3, metal_scrap: 2, plastics: 0.6 },
  port: { biomass_residue: 1.5, wood: 1.5, glass: 1.3 },
};

/** Supplier-side counterfactuals per category (values from the engine's SUPPLY_HANDLINGS). */
const SUPPLY_HANDLING_WEIGHTS: Readonly<Record<Category, Partial<Record<SupplyHandling, number>>>> = {
  heat: { cooling_tower: 0.5, discharged: 0.25, vented: 0.15, sold_elsewhere: 0.1 },
  co2: { vented: 0.88, sold_elsewhere: 0.12 },
  hydrogen: { fuel: 0.55, flared: 0.25, vented: 0.12, sold_elsewhere: 0.08 },
  material: { landfill: 0.4, incineration: 0.3, sold_elsewhere: 0.3 },
  water: { discharged: 0.9, sold_elsewhere: 0.1 },
};
/** Receiver-side counterfactuals, as weights over DEMAND_SOURCES_BY_CATEGORY[category] (same order). */
const DEMAND_SOURCE_WEIGHTS: Readonly<Record<Category, readonly number[]>> = {
  heat: [0.8, 0.2],
  co2: [0.65, 0.35],
  hydrogen: [1],
  material: [1],
  water: [1],
};

/** Median canonical annual quantity and log-normal sigma, per category and direction. */
const QUANTITY: Readonly<Record<Category, Record<Direction, [median: number, sigma: number]>>> = {
  heat: { supply: [25_000, 1.1], demand: [15_000, 1.2] },
  co2: { supply: [20_000, 1.2], demand: [8_000, 1.1] },
  hydrogen: { supply: [3_000, 1.0], demand: [5_000, 1.1] },
  material: { supply: [15_000, 1.3], demand: [15_000, 1.3] },
  water: { supply: [400_000, 1.3], demand: [400_000, 1.3] },
};

/** Share of streams that set their own maxDistanceKm, and its log-normal median (km), sigma, bounds. */
const MAX_DISTANCE: Readonly<Record<Category, [share: number, median: number, sigma: number, max: number]>> =
  {
    heat: [0.2, 10, 0.5, 25],
    co2: [0.25, 30, 0.5, 100],
    hydrogen: [0.25, 30, 0.5, 100],
    material: [0.4, 80, 0.6, 300],
    water: [0.25, 15, 0.5, 50],
  };

const NACE_BY_PROFILE: Readonly<Record<ZoneProfile, readonly string[]>> = {
  chemical: ['20.11', '20.13', '20.14', '20.15', '20.16', '19.20', '35.11', '38.21'],
  steel: ['24.10', '24.20', '23.51', '35.11', '38.32', '25.11'],
  port: ['52.10', '35.11', '35.21', '10.81', '17.12', '38.21', '01.13'],
};
const LEGAL_FORM = { BE: ['NV', 'BV', 'SA', 'SRL'], NL: ['B.V.', 'N.V.'] } as const;

export interface GeneratedCompany {
  id: string;
  name: string;
  country: 'BE' | 'NL';
  registrationNumber: string;
  naceCode: string;
}

export interface GeneratedSite {
  id: string;
  companyId: string;
  name: string;
  latitude: number;
  longitude: number;
  region: string;
  country: 'BE' | 'NL';
  municipality: string;
  hasQuay: boolean;
  hasRail: boolean;
  zone: string;
}

/** A stream with every column the streams table needs (and what POST /streams would be sent). */
export interface GeneratedStream {
  id: string;
  siteId: string;
  companyId: string;
  direction: Direction;
  category: Category;
  title: string;
  description: string;
  quantity: QuantityInput;
  annualQuantity: number;
  canonicalUnit: string;
  quality: StreamQuality;
  materialType: MaterialType | null;
  currentHandling: SupplyHandling | null;
  currentSource: DemandSource | null;
  availableFrom: string | null;
  availableUntil: string | null;
  maxDistanceKm: number | null;
  regulatoryStatus: RegulatoryStatus | null;
  ewcCode: string | null;
  visibility: 'anonymous' | 'named';
  status: 'active';
  latitude: number;
  longitude: number;
  country: 'BE' | 'NL';
  hasQuay: boolean;
  hasRail: boolean;
}

export interface Region {
  seed: number;
  companies: GeneratedCompany[];
  sites: GeneratedSite[];
  streams: GeneratedStream[];
}

export interface RegionSpec {
  /** Number of streams (1 to 1,000,000 and beyond). */
  streams: number;
  seed: number;
  /** Mean streams per site (geometric, at least one). Default 9. */
  meanStreamsPerSite?: number;
}

function normalised<K extends string>(base: Readonly<Record<K, number>>, tilt: Partial<Record<K, number>>) {
  const keys = Object.keys(base) as K[];
  return { keys, weights: keys.map((k) => base[k] * (tilt[k] ?? 1)) };
}

const dateOf = (epochDay: number) => new Date(epochDay * 86_400_000).toISOString().slice(0, 10);
const epochDayOf = (iso: string) => Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
const FROM_START = epochDayOf('2027-01-01');
const FROM_END = epochDayOf('2028-12-31');
const UNTIL_START = epochDayOf('2029-01-01');
const UNTIL_END = epochDayOf('2040-12-31');

/** A point scattered around a zone, inside its region's box (with the API's margin, less a little). */
function scatter(d: Draw, zone: IndustrialZone): { latitude: number; longitude: number } {
  const region = REGIONS.get(zone.region);
  if (!region) throw new Error(`unknown region ${zone.region}`);
  const cosLat = Math.cos((zone.latitude * Math.PI) / 180);
  const latMargin = (REGION_MARGIN_KM * 0.9) / KM_PER_DEGREE_LAT;
  const lonMargin = (REGION_MARGIN_KM * 0.9) / (KM_PER_DEGREE_LAT * cosLat);
  const dy = d.normal(0, zone.sigmaKm, -3 * zone.sigmaKm, 3 * zone.sigmaKm);
  const dx = d.normal(0, zone.sigmaKm, -3 * zone.sigmaKm, 3 * zone.sigmaKm);
  const lat = zone.latitude + dy / KM_PER_DEGREE_LAT;
  const lon = zone.longitude + dx / (KM_PER_DEGREE_LAT * cosLat);
  const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    latitude: round6(Math.min(region.maxLat + latMargin, Math.max(region.minLat - latMargin, lat))),
    longitude: round6(Math.min(region.maxLon + lonMargin, Math.max(region.minLon - lonMargin, lon))),
  };
}

function enteredQuantity(d: Draw, category: Category, annual: number): QuantityInput {
  const sig = (x: number) => roundSignificant(x, 3);
  switch (category) {
    case 'heat': {
      const unit = d.weighted(
        ['MWh/yr', 'GWh/yr', 'GJ/yr', 'TJ/yr', 'MW'] as const,
        [0.4, 0.25, 0.15, 0.05, 0.15],
      );
      if (unit === 'MW') {
        const fullLoadHours = d.pick([4000, 6000, 7500, 8000, 8400]);
        return { amount: sig(annual / fullLoadHours), unit, fullLoadHours };
      }
      const per = { 'MWh/yr': 1, 'GWh/yr': 1000, 'GJ/yr': 1 / 3.6, 'TJ/yr': 1000 / 3.6 }[unit];
      return { amount: sig(annual / per), unit };
    }
    case 'co2':
    case 'hydrogen':
    case 'material':
      return annual >= 100_000 && d.chance(0.7)
        ? { amount: sig(annual / 1000), unit: 'kt/yr' }
        : { amount: sig(annual), unit: 't/yr' };
    case 'water':
      return { amount: sig(annual), unit: 'm3/yr' };
  }
}

interface QualityDraw {
  quality: StreamQuality;
  materialType: MaterialType | null;
  ewcCode: string | null;
  regulatoryStatus: RegulatoryStatus | null;
  label: string;
}

function heatQuality(d: Draw, direction: Direction): QualityDraw {
  const round = (x: number) => Math.round(x);
  let medium: HeatMedium;
  let temperatureC: number;
  if (direction === 'supply') {
    medium = d.weighted(['hot_water', 'steam', 'thermal_oil', 'flue_gas'] as const, [0.62, 0.22, 0.06, 0.1]);
    temperatureC = round(
      medium === 'hot_water'
        ? d.normal(75, 20, 30, 140)
        : medium === 'steam'
          ? d.normal(180, 40, 110, 350)
          : medium === 'thermal_oil'
            ? d.normal(230, 40, 150, 350)
            : d.normal(220, 60, 120, 450),
    );
  } else {
    // Demand: the minimum temperature needed (space heating and greenhouses, process water, steam).
    medium = d.weighted(['hot_water', 'steam', 'thermal_oil'] as const, [0.7, 0.27, 0.03]);
    temperatureC = round(
      medium === 'hot_water'
        ? d.normal(70, 15, 35, 110)
        : medium === 'steam'
          ? d.normal(160, 30, 110, 250)
          : d.normal(220, 30, 150, 320),
    );
  }
  const quality: {
    temperatureC: number;
    medium: HeatMedium;
    returnTemperatureC?: number;
    pressureBar?: number;
  } = { temperatureC, medium };
  if (medium === 'hot_water' && d.chance(0.5)) {
    quality.returnTemperatureC = Math.max(-50, temperatureC - d.int(10, 30));
  }
  if (medium === 'steam') {
    // Saturation pressure, roughly (T/100)^4 bar: 100 °C → 1 bar, 180 °C → 10 bar.
    quality.pressureBar = Math.min(400, Math.round((temperatureC / 100) ** 4 * 10) / 10);
  }
  return {
    quality,
    materialType: null,
    ewcCode: null,
    regulatoryStatus: null,
    label: `${direction === 'supply' ? 'Waste heat' : 'Heat need'} ${temperatureC} °C (${medium.replace('_', ' ')})`,
  };
}

function co2Quality(d: Draw, direction: Direction, source: DemandSource | null): QualityDraw {
  const r1 = (x: number) => Math.round(x * 10) / 10;
  let purityPct: number;
  let phase: Co2Phase;
  if (direction === 'supply') {
    // High-purity process CO2 (ammonia, ethylene oxide, bio-ethanol) or flue-gas capture.
    purityPct = d.chance(0.45) ? r1(d.uniform(99, 99.95)) : r1(d.normal(97.5, 1.2, 90, 99.8));
    phase = d.weighted(['gas', 'dense', 'liquid'] as const, [0.8, 0.1, 0.1]);
  } else if (source === 'gas_combustion_co2') {
    purityPct = r1(d.normal(96, 1.5, 90, 99.5)); // greenhouse dosing
    phase = 'gas';
  } else {
    purityPct = d.chance(0.5) ? 99.9 : r1(d.normal(99, 0.4, 97, 99.9)); // beverage / chemical grade
    phase = 'liquid';
  }
  return {
    quality: { purityPct, phase },
    materialType: null,
    ewcCode: null,
    regulatoryStatus: null,
    label: `CO2 ${purityPct} % (${phase})`,
  };
}

function hydrogenQuality(d: Draw, direction: Direction): QualityDraw {
  const r2 = (x: number) => Math.round(x * 100) / 100;
  let purityPct: number;
  if (direction === 'supply') {
    const kind = d.weighted(['chlor_alkali', 'cracker', 'refinery'] as const, [0.3, 0.5, 0.2]);
    purityPct =
      kind === 'chlor_alkali'
        ? 99.9
        : kind === 'cracker'
          ? r2(d.normal(97, 1.5, 90, 99.5))
          : r2(d.normal(99.3, 0.4, 98, 99.99));
  } else {
    const use = d.weighted(['fuel_cell', 'ammonia', 'hydrotreating'] as const, [0.15, 0.35, 0.5]);
    purityPct = use === 'fuel_cell' ? 99.97 : use === 'ammonia' ? 99.5 : r2(d.normal(97.5, 1.2, 92, 99.5));
  }
  return {
    quality: { purityPct },
    materialType: null,
    ewcCode: null,
    regulatoryStatus: null,
    label: `Hydrogen ${purityPct} %`,
  };
}

function materialQuality(d: Draw, direction: Direction, profile: ZoneProfile): QualityDraw {
  const { keys, weights } = normalised(MATERIAL_WEIGHTS, PROFILE_MATERIAL_TILT[profile]);
  const materialType = d.weighted(keys, weights);
  const info = MATERIAL_TAXONOMY[materialType];
  let regulatoryStatus: RegulatoryStatus | null = null;
  let ewcCode: string | null = null;
  if (direction === 'supply') {
    regulatoryStatus = d.weighted(['waste', 'by_product', 'end_of_waste'] as const, [0.5, 0.35, 0.15]);
    if (regulatoryStatus === 'waste' || d.chance(0.6)) ewcCode = d.pick(info.ewcCodes);
  }
  const hazardous = ewcCode !== null ? ewcCode.endsWith('*') : info.hazardousDefault;
  const quality = ewcCode !== null ? { materialType, ewcCode, hazardous } : { materialType, hazardous };
  return {
    quality,
    materialType,
    ewcCode,
    regulatoryStatus,
    label: `${info.label.split(' (')[0]}${regulatoryStatus ? ` (${regulatoryStatus.replace(/_/g, ' ')})` : ''}`,
  };
}

function waterQuality(d: Draw, direction: Direction): QualityDraw {
  const weights = direction === 'supply' ? [0.08, 0.07, 0.15, 0.25, 0.45] : [0.15, 0.05, 0.35, 0.35, 0.1];
  const quality = d.weighted<WaterQualityClass>(WATER_QUALITIES, weights);
  return {
    quality: { quality },
    materialType: null,
    ewcCode: null,
    regulatoryStatus: null,
    label: `${quality.replace('_', ' ')} water`,
  };
}

/**
 * One stream's attributes for a site (used for the region and for streams added during a benchmark).
 * `category` and `direction` may be forced; otherwise they follow the zone's mix.
 */
export function drawStream(
  d: Draw,
  id: string,
  site: GeneratedSite,
  zone: IndustrialZone,
  force: { category?: Category; direction?: Direction } = {},
): GeneratedStream {
  const { keys, weights } = normalised(BASE_CATEGORY_WEIGHTS, PROFILE_CATEGORY_TILT[zone.profile]);
  const category = force.category ?? d.weighted(keys, weights);
  const direction: Direction = force.direction ?? (d.chance(SUPPLY_SHARE[category]) ? 'supply' : 'demand');
  let currentHandling: SupplyHandling | null = null;
  let currentSource: DemandSource | null = null;
  if (direction === 'supply') {
    const table = SUPPLY_HANDLING_WEIGHTS[category];
    const options = SUPPLY_HANDLINGS.filter((h) => table[h] !== undefined);
    currentHandling = d.weighted(
      options,
      options.map((h) => table[h] ?? 0),
    );
  } else {
    currentSource = d.weighted(DEMAND_SOURCES_BY_CATEGORY[category], DEMAND_SOURCE_WEIGHTS[category]);
  }
  const q =
    category === 'heat'
      ? heatQuality(d, direction)
      : category === 'co2'
        ? co2Quality(d, direction, currentSource)
        : category === 'hydrogen'
          ? hydrogenQuality(d, direction)
          : category === 'material'
            ? materialQuality(d, direction, zone.profile)
            : waterQuality(d, direction);
  const [median, sigma] = QUANTITY[category][direction];
  const quantity = enteredQuantity(d, category, d.logNormal(median, sigma, 10, 5e7));
  const canonical = toCanonical(category, quantity);
  if (!canonical.ok) throw new Error(`generator produced an unconvertible quantity: ${canonical.message}`);

  const [share, mdMedian, mdSigma, mdMax] = MAX_DISTANCE[category];
  const maxDistanceKm = d.chance(share) ? Math.round(d.logNormal(mdMedian, mdSigma, 1, mdMax)) : null;
  let availableFrom: string | null = null;
  let availableUntil: string | null = null;
  if (d.chance(0.25)) availableFrom = dateOf(d.int(FROM_START, FROM_END));
  if (d.chance(0.2)) availableUntil = dateOf(d.int(UNTIL_START, UNTIL_END));

  return {
    id,
    siteId: site.id,
    companyId: site.companyId,
    direction,
    category,
    title: `${q.label} — ${site.name}`.slice(0, 200),
    description: `Synthetic ${category} ${direction} listed for benchmarks (${zone.name}).`,
    quantity,
    annualQuantity: canonical.amount,
    canonicalUnit: CANONICAL_UNIT[category],
    quality: q.quality,
    materialType: q.materialType,
    currentHandling,
    currentSource,
    availableFrom,
    availableUntil,
    maxDistanceKm,
    regulatoryStatus: q.regulatoryStatus,
    ewcCode: q.ewcCode,
    visibility: d.chance(0.25) ? 'named' : 'anonymous',
    status: 'active',
    latitude: site.latitude,
    longitude: site.longitude,
    country: site.country,
    hasQuay: site.hasQuay,
    hasRail: site.hasRail,
  };
}

export function zoneOf(site: GeneratedSite): IndustrialZone {
  const zone = INDUSTRIAL_ZONES.find((z) => z.key === site.zone);
  if (!zone) throw new Error(`unknown zone ${site.zone}`);
  return zone;
}

/** Generates a region of exactly `spec.streams` streams. Deterministic in (seed, streams, meanStreamsPerSite). */
export function generateRegion(spec: RegionSpec): Region {
  const { seed } = spec;
  const n = Math.max(0, Math.floor(spec.streams));
  const meanPerSite = spec.meanStreamsPerSite ?? 9;
  const d = new Draw(seededRandom(seed));
  const zoneWeights = INDUSTRIAL_ZONES.map((z) => z.weight);
  const companies: GeneratedCompany[] = [];
  const sites: GeneratedSite[] = [];
  const streams: GeneratedStream[] = [];

  let company: GeneratedCompany | null = null;
  let companySitesLeft = 0;
  let companyZone: IndustrialZone | null = null;
  while (streams.length < n) {
    if (company === null || companySitesLeft === 0) {
      companyZone = d.weighted(INDUSTRIAL_ZONES, zoneWeights);
      const country = REGIONS.get(companyZone.region)?.country ?? 'BE';
      const index = companies.length;
      const registrationNumber =
        country === 'BE'
          ? belgianEnterpriseNumber(2_000_000 + index) // 10 digits, mod-97 check, unique per index
          : String(10_000_000 + index).padStart(8, '0'); // 8-digit KvK number, unique per index
      company = {
        id: deterministicUuid(seed, ID_KIND.company, index),
        name: `${companyZone.name.split(' ')[0]} Industrie ${index + 1} ${d.pick(LEGAL_FORM[country])}`,
        country,
        registrationNumber,
        naceCode: d.pick(NACE_BY_PROFILE[companyZone.profile]),
      };
      companies.push(company);
      companySitesLeft = d.weighted([1, 2, 3], [0.7, 0.2, 0.1]);
    }
    // A company's first site lies in its home zone; a further one elsewhere 40 % of the time (a group
    // with several plants, possibly across the border).
    const home = companyZone as IndustrialZone;
    const further = sites.length > 0 && sites[sites.length - 1].companyId === company.id;
    const zone = further && d.chance(0.4) ? d.weighted(INDUSTRIAL_ZONES, zoneWeights) : home;
    companySitesLeft--;
    const where = scatter(d, zone);
    const siteIndex = sites.length;
    const site: GeneratedSite = {
      id: deterministicUuid(seed, ID_KIND.site, siteIndex),
      companyId: company.id,
      name: `${company.name.split(' ').slice(0, 3).join(' ')} plant ${siteIndex + 1}`.slice(0, 200),
      latitude: where.latitude,
      longitude: where.longitude,
      region: zone.region,
      country: REGIONS.get(zone.region)?.country ?? 'BE',
      municipality: d.pick(zone.municipalities),
      hasQuay: d.chance(zone.quayShare),
      hasRail: d.chance(zone.railShare),
      zone: zone.key,
    };
    sites.push(site);
    const count = Math.min(n - streams.length, 1 + d.geometric(meanPerSite - 1));
    for (let i = 0; i < count; i++) {
      streams.push(drawStream(d, deterministicUuid(seed, ID_KIND.stream, streams.length), site, zone));
    }
  }
  return { seed, companies, sites, streams };
}

/** The matcher's view of a generated stream (what toMatchable makes of its row). */
export function toMatchableStream(s: GeneratedStream, version = 1): MatchableStream {
  return {
    id: s.id,
    companyId: s.companyId,
    status: s.status,
    version,
    direction: s.direction,
    category: s.category,
    annualQuantity: s.annualQuantity,
    quality: s.quality,
    currentHandling: s.currentHandling,
    currentSource: s.currentSource,
    availableFrom: s.availableFrom,
    availableUntil: s.availableUntil,
    maxDistanceKm: s.maxDistanceKm,
    regulatoryStatus: s.regulatoryStatus,
    site: {
      latitude: s.latitude,
      longitude: s.longitude,
      country: s.country,
      hasQuay: s.hasQuay,
      hasRail: s.hasRail,
    },
  };
}

/** The body of POST /api/v1/streams for a generated stream. */
export function createStreamBody(
  s: GeneratedStream,
  status: 'active' | 'draft' = 'active',
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    siteId: s.siteId,
    direction: s.direction,
    category: s.category,
    title: s.title,
    description: s.description,
    quantity: s.quantity,
    [s.category]: s.quality,
    status,
    visibility: s.visibility,
  };
  if (s.currentHandling) body.currentHandling = s.currentHandling;
  if (s.currentSource) body.currentSource = s.currentSource;
  if (s.availableFrom) body.availableFrom = s.availableFrom;
  if (s.availableUntil) body.availableUntil = s.availableUntil;
  if (s.maxDistanceKm !== null) body.maxDistanceKm = s.maxDistanceKm;
  if (s.regulatoryStatus) body.regulatoryStatus = s.regulatoryStatus;
  return body;
}

/** Counts per category and direction, for the report. */
export function regionMix(region: Region): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of region.streams) {
    const key = `${s.category}/${s.direction}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
