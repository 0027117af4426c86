/**
 * The engine's view of streams and sites, and the value lists the API validates against.
 * Everything here is plain data; the lists are the single source for enums shared with the API.
 */

export const CATEGORIES = ['heat', 'co2', 'hydrogen', 'material', 'water'] as const;
export type Category = (typeof CATEGORIES)[number];

export const DIRECTIONS = ['supply', 'demand'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export const COUNTRIES = ['BE', 'NL'] as const;
export type Country = (typeof COUNTRIES)[number];

/** What a supplier does with the stream today (the supplier-side counterfactual). */
export const SUPPLY_HANDLINGS = [
  'vented',
  'flared',
  'fuel',
  'cooling_tower',
  'landfill',
  'incineration',
  'discharged',
  'sold_elsewhere',
] as const;
export type SupplyHandling = (typeof SUPPLY_HANDLINGS)[number];

/** What a receiver uses today (the receiver-side counterfactual). */
export const DEMAND_SOURCES = [
  'natural_gas_boiler',
  'electric_boiler',
  'smr_hydrogen',
  'gas_combustion_co2',
  'purchased_liquid_co2',
  'purchased_virgin',
  'mains_water',
] as const;
export type DemandSource = (typeof DEMAND_SOURCES)[number];

/** The receiver-side counterfactuals the engine can quantify, per category. */
export const DEMAND_SOURCES_BY_CATEGORY: Readonly<Record<Category, readonly DemandSource[]>> = {
  heat: ['natural_gas_boiler', 'electric_boiler'],
  co2: ['gas_combustion_co2', 'purchased_liquid_co2'],
  hydrogen: ['smr_hydrogen'],
  material: ['purchased_virgin'],
  water: ['mains_water'],
};

export const HEAT_MEDIA = ['hot_water', 'steam', 'thermal_oil', 'flue_gas'] as const;
export type HeatMedium = (typeof HEAT_MEDIA)[number];

export const CO2_PHASES = ['gas', 'liquid', 'dense'] as const;
export type Co2Phase = (typeof CO2_PHASES)[number];

export const REGULATORY_STATUSES = ['waste', 'by_product', 'end_of_waste'] as const;
export type RegulatoryStatus = (typeof REGULATORY_STATUSES)[number];

export const TRANSPORT_MODES = ['pipeline', 'road', 'rail', 'barge'] as const;
export type TransportMode = (typeof TRANSPORT_MODES)[number];

// Re-exported here so every enum list lives behind one import.
export { WATER_QUALITIES, type WaterQualityClass } from './water.taxonomy';
export { MATERIAL_TYPES, type MaterialType } from './material.taxonomy';
import type { WaterQualityClass } from './water.taxonomy';
import type { MaterialType } from './material.taxonomy';

/** Supply: temperature available. Demand: minimum temperature needed. */
export interface HeatQuality {
  temperatureC: number;
  medium: HeatMedium;
  returnTemperatureC?: number | null;
  pressureBar?: number | null;
}
export interface Co2Quality {
  purityPct: number;
  phase?: Co2Phase | null;
}
export interface HydrogenQuality {
  purityPct: number;
}
export interface MaterialQuality {
  materialType: MaterialType;
  ewcCode?: string | null;
  hazardous?: boolean | null;
}
export interface WaterQuality {
  quality: WaterQualityClass;
}
export type StreamQuality = HeatQuality | Co2Quality | HydrogenQuality | MaterialQuality | WaterQuality;

export interface SiteFacts {
  latitude: number;
  longitude: number;
  country: Country;
  hasQuay: boolean;
  hasRail: boolean;
}

export interface StreamFacts {
  id: string;
  direction: Direction;
  category: Category;
  /** In the category's canonical unit (see CANONICAL_UNIT). */
  annualQuantity: number;
  quality: StreamQuality;
  /** Supply side. */
  currentHandling?: SupplyHandling | null;
  /** Demand side. */
  currentSource?: DemandSource | null;
  /** 'YYYY-MM-DD', inclusive; null = open. */
  availableFrom?: string | null;
  availableUntil?: string | null;
  /** Great-circle km this party accepts; null = no own limit. */
  maxDistanceKm?: number | null;
  regulatoryStatus?: RegulatoryStatus | null;
  site: SiteFacts;
}
