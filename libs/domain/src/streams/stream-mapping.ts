import type {
  Category,
  Co2Quality,
  DemandSource,
  Direction,
  HeatQuality,
  HydrogenQuality,
  MaterialQuality,
  RegulatoryStatus,
  StreamQuality,
  SupplyHandling,
  WaterQuality,
} from '@symbiose/engine';
import type { StreamStatus } from './stream-lifecycle';
import type { SiteLocation, StreamInput, StreamView, Visibility } from './stream-input';
import { resolveHazardous } from './stream-rules';
import { annualQuantityOf } from './stream-units';

/** A stream row as read with STREAM_SELECT (camelCase aliases, dates as 'YYYY-MM-DD'). */
export interface StreamRecord {
  id: string;
  siteId: string;
  companyId: string;
  direction: Direction;
  category: Category;
  title: string;
  description: string;
  quantityAmount: number;
  quantityUnit: string;
  fullLoadHours: number | null;
  annualQuantity: number;
  canonicalUnit: string;
  quality: StreamQuality;
  materialType: string | null;
  currentHandling: SupplyHandling | null;
  currentSource: DemandSource | null;
  availableFrom: string | null;
  availableUntil: string | null;
  maxDistanceKm: number | null;
  regulatoryStatus: RegulatoryStatus | null;
  ewcCode: string | null;
  visibility: Visibility;
  status: StreamStatus;
  version: number;
  matchedVersion: number;
  latitude: number;
  longitude: number;
  country: 'BE' | 'NL';
  hasQuay: boolean;
  hasRail: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/** Columns of `streams` (aliased `s`) read into a StreamRecord. */
export const STREAM_SELECT = `s.id, s.site_id AS "siteId", s.company_id AS "companyId", s.direction, s.category,
  s.title, s.description, s.quantity_amount AS "quantityAmount", s.quantity_unit AS "quantityUnit",
  s.full_load_hours AS "fullLoadHours", s.annual_quantity AS "annualQuantity", s.canonical_unit AS "canonicalUnit",
  s.quality, s.material_type AS "materialType", s.current_handling AS "currentHandling",
  s.current_source AS "currentSource", to_char(s.available_from, 'YYYY-MM-DD') AS "availableFrom",
  to_char(s.available_until, 'YYYY-MM-DD') AS "availableUntil", s.max_distance_km AS "maxDistanceKm",
  s.regulatory_status AS "regulatoryStatus", s.ewc_code AS "ewcCode", s.visibility, s.status, s.version,
  s.matched_version AS "matchedVersion", s.latitude, s.longitude, s.country, s.has_quay AS "hasQuay",
  s.has_rail AS "hasRail", s.created_at AS "createdAt", s.updated_at AS "updatedAt"`;

/** The listing columns a StreamInput determines (site facts and lifecycle columns aside). */
export interface StreamColumns {
  direction: Direction;
  category: Category;
  title: string;
  description: string;
  quantity_amount: number;
  quantity_unit: string;
  full_load_hours: number | null;
  annual_quantity: number;
  canonical_unit: string;
  quality: StreamQuality;
  material_type: string | null;
  current_handling: string | null;
  current_source: string | null;
  available_from: string | null;
  available_until: string | null;
  max_distance_km: number | null;
  regulatory_status: string | null;
  ewc_code: string | null;
  visibility: Visibility;
}

/** Order of the listing columns in INSERT and UPDATE statements. */
export const STREAM_COLUMN_NAMES: readonly (keyof StreamColumns)[] = [
  'direction',
  'category',
  'title',
  'description',
  'quantity_amount',
  'quantity_unit',
  'full_load_hours',
  'annual_quantity',
  'canonical_unit',
  'quality',
  'material_type',
  'current_handling',
  'current_source',
  'available_from',
  'available_until',
  'max_distance_km',
  'regulatory_status',
  'ewc_code',
  'visibility',
];

/**
 * Columns the matcher never reads: text, visibility (it changes what counterparts see, not the
 * estimates), and the quantity as entered (matching reads the canonical annual_quantity, so 1 GWh/yr
 * re-entered as 1000 MWh/yr changes nothing). A change to any other column bumps the version.
 */
const NON_MATCHING_COLUMNS = new Set<keyof StreamColumns>([
  'title',
  'description',
  'visibility',
  'quantity_amount',
  'quantity_unit',
  'full_load_hours',
]);

/** The quality block of the category with known keys only, optional ones dropped when absent. */
export function normaliseQuality(input: StreamInput): StreamQuality {
  switch (input.category) {
    case 'heat': {
      const h = input.heat as HeatQuality;
      return compact<HeatQuality>({
        temperatureC: h.temperatureC,
        medium: h.medium,
        returnTemperatureC: h.returnTemperatureC,
        pressureBar: h.pressureBar,
      });
    }
    case 'co2': {
      const c = input.co2 as Co2Quality;
      return compact<Co2Quality>({ purityPct: c.purityPct, phase: c.phase });
    }
    case 'hydrogen':
      return { purityPct: (input.hydrogen as HydrogenQuality).purityPct };
    case 'material': {
      const m = input.material as MaterialQuality;
      return compact<MaterialQuality>({
        materialType: m.materialType,
        ewcCode: m.ewcCode,
        hazardous: resolveHazardous(m.materialType, m.ewcCode, m.hazardous),
      });
    }
    case 'water':
      return { quality: (input.water as WaterQuality).quality };
  }
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null)) as T;
}

/** Computes every listing column from a valid input (canonical quantity included). */
export function streamColumns(input: StreamInput): StreamColumns {
  const quality = normaliseQuality(input);
  const annual = annualQuantityOf(input.category, input.quantity);
  const material = input.category === 'material' ? (quality as MaterialQuality) : null;
  return {
    direction: input.direction,
    category: input.category,
    title: input.title.trim(),
    description: (input.description ?? '').trim(),
    quantity_amount: input.quantity.amount,
    quantity_unit: input.quantity.unit,
    full_load_hours: input.quantity.fullLoadHours ?? null,
    annual_quantity: annual.amount,
    canonical_unit: annual.unit,
    quality,
    material_type: material?.materialType ?? null,
    current_handling: input.direction === 'supply' ? (input.currentHandling ?? null) : null,
    current_source: input.direction === 'demand' ? (input.currentSource ?? null) : null,
    available_from: input.availableFrom ?? null,
    available_until: input.availableUntil ?? null,
    max_distance_km: input.maxDistanceKm ?? null,
    regulatory_status: input.category === 'material' ? (input.regulatoryStatus ?? null) : null,
    ewc_code: material?.ewcCode ?? null,
    visibility: input.visibility ?? 'anonymous',
  };
}

/** True when the two column sets differ in anything matching reads. */
export function matchingFieldsDiffer(a: StreamColumns, b: StreamColumns): boolean {
  return STREAM_COLUMN_NAMES.some((k) => !NON_MATCHING_COLUMNS.has(k) && !sameValue(a[k], b[k]));
}

/** True when the two column sets differ at all. */
export function anyFieldDiffers(a: StreamColumns, b: StreamColumns): boolean {
  return STREAM_COLUMN_NAMES.some((k) => !sameValue(a[k], b[k]));
}

function sameValue(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

/** JSON with object keys sorted, so equal values give equal strings whatever the key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The stored stream as an input again, the base a PATCH is merged onto. */
export function inputFromRecord(r: StreamRecord): StreamInput {
  return {
    siteId: r.siteId,
    direction: r.direction,
    category: r.category,
    title: r.title,
    description: r.description,
    quantity: { amount: r.quantityAmount, unit: r.quantityUnit, fullLoadHours: r.fullLoadHours },
    [r.category]: r.quality,
    currentHandling: r.currentHandling,
    currentSource: r.currentSource,
    availableFrom: r.availableFrom,
    availableUntil: r.availableUntil,
    maxDistanceKm: r.maxDistanceKm,
    regulatoryStatus: r.regulatoryStatus,
    visibility: r.visibility,
  };
}

export function locationOf(r: SiteLocation): SiteLocation {
  return {
    latitude: r.latitude,
    longitude: r.longitude,
    country: r.country,
    hasQuay: r.hasQuay,
    hasRail: r.hasRail,
  };
}

/** The API view of a stored stream. */
export function toStreamView(r: StreamRecord): StreamView {
  return {
    id: r.id,
    siteId: r.siteId,
    companyId: r.companyId,
    direction: r.direction,
    category: r.category,
    title: r.title,
    description: r.description,
    quantity: {
      amount: r.quantityAmount,
      unit: r.quantityUnit,
      ...(r.fullLoadHours != null ? { fullLoadHours: r.fullLoadHours } : {}),
    },
    annualQuantity: { amount: r.annualQuantity, unit: r.canonicalUnit },
    [r.category]: r.quality,
    ...(r.direction === 'supply'
      ? { currentHandling: r.currentHandling as SupplyHandling }
      : { currentSource: r.currentSource as DemandSource }),
    availableFrom: r.availableFrom,
    availableUntil: r.availableUntil,
    maxDistanceKm: r.maxDistanceKm,
    ...(r.category === 'material' ? { regulatoryStatus: r.regulatoryStatus } : {}),
    visibility: r.visibility,
    status: r.status,
    version: r.version,
    matchedVersion: r.matchedVersion,
    matchingPending: r.matchedVersion < r.version,
    location: locationOf(r),
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}
