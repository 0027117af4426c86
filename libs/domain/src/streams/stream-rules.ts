import {
  ACCEPTED_UNITS,
  CANONICAL_UNIT,
  CATEGORIES,
  Category,
  DEMAND_SOURCES_BY_CATEGORY,
  isValidEwcCode,
  MATERIAL_TAXONOMY,
  MAX_FULL_LOAD_HOURS,
  MaterialType,
  toCanonical,
  UnitErrorCode,
} from '@symbiose/engine';
import type { StreamInput } from './stream-input';
import { unitNeedsFullLoadHours } from './stream-units';

const UNIT_ERROR_PATH: Record<UnitErrorCode, string> = {
  unknown_category: 'category',
  unit_not_accepted: 'quantity.unit',
  invalid_amount: 'quantity.amount',
  full_load_hours_required: 'quantity.fullLoadHours',
  full_load_hours_out_of_range: 'quantity.fullLoadHours',
};

/** Bounds on what a listing may say; the API's DTOs and the domain check share them. */
export const STREAM_LIMITS = {
  titleMaxLength: 200,
  descriptionMaxLength: 5000,
  temperatureC: { min: -50, max: 1500 },
  pressureBar: { max: 400 },
  purityPct: { max: 100 },
  fullLoadHours: { min: 1, max: MAX_FULL_LOAD_HOURS },
  maxDistanceKm: { max: 1000 },
  /** Upper bound on the number typed in, before conversion. */
  enteredAmountMax: 1e12,
  /** Upper bound per category on the canonical annual quantity (larger than any real site). */
  annualQuantityMax: { heat: 1e8, co2: 1e8, hydrogen: 1e8, material: 1e8, water: 1e10 } as Record<
    Category,
    number
  >,
} as const;

/** The time zone whose calendar date decides when a stream's availability has ended. */
export const REGION_TIME_ZONE = 'Europe/Brussels';

// Built once: constructing an Intl.DateTimeFormat costs about 0.3 ms, on every listing's write.
const REGION_DATE_FORMAT = new Intl.DateTimeFormat('en-CA', {
  timeZone: REGION_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar date (YYYY-MM-DD) of `now` in the region. */
export function regionDate(now: Date = new Date()): string {
  return REGION_DATE_FORMAT.format(now);
}

export interface StreamCheckOptions {
  /** Today's date in the region; availableUntil may not lie before it when it is being set. */
  today: string;
  /** Whether availableUntil was set by this request (an old date on an untouched field is not an error). */
  availableUntilSet: boolean;
}

/**
 * The rules that tie one field to another: exactly the quality block of the category, the
 * counterfactual of the direction, a unit the category accepts, the canonical cap, the availability
 * window, the legal status of materials. Returns field paths to messages; empty when valid. Field-level
 * types and ranges are checked before this (by the API's DTOs), so values here are well-typed.
 */
export function streamInputErrors(input: StreamInput, options: StreamCheckOptions): Record<string, string> {
  const errors: Record<string, string> = {};
  const { category, direction } = input;

  for (const c of CATEGORIES) {
    const block = input[c];
    const present = block !== undefined && block !== null;
    if (c === category && !present) errors[c] = `required for a ${category} stream`;
    if (c !== category && present) errors[c] = `only a ${category} block is allowed on a ${category} stream`;
  }

  if (direction === 'supply') {
    if (input.currentSource != null) errors.currentSource = 'only a demand stream has a currentSource';
    if (input.currentHandling == null)
      errors.currentHandling = 'required for a supply stream: what happens to it today';
  } else {
    if (input.currentHandling != null) errors.currentHandling = 'only a supply stream has a currentHandling';
    if (input.currentSource == null) {
      errors.currentSource = 'required for a demand stream: where it comes from today';
    } else if (!DEMAND_SOURCES_BY_CATEGORY[category].includes(input.currentSource)) {
      errors.currentSource = `must be one of ${DEMAND_SOURCES_BY_CATEGORY[category].join(', ')} for a ${category} demand`;
    }
  }

  const q = input.quantity;
  const converted = toCanonical(category, q);
  if (!converted.ok) {
    errors[UNIT_ERROR_PATH[converted.code]] =
      converted.code === 'unit_not_accepted'
        ? `must be one of ${ACCEPTED_UNITS[category].join(', ')} for a ${category} stream`
        : converted.message;
  } else if (!unitNeedsFullLoadHours(q.unit) && q.fullLoadHours != null) {
    errors['quantity.fullLoadHours'] = 'only used with MW';
  } else if (converted.amount <= 0) {
    errors['quantity.amount'] = 'must be a positive quantity';
  } else if (converted.amount > STREAM_LIMITS.annualQuantityMax[category]) {
    errors['quantity.amount'] =
      `must not exceed ${STREAM_LIMITS.annualQuantityMax[category].toExponential()} ${CANONICAL_UNIT[category]}`;
  }

  if (input.heat && category === 'heat') {
    const { temperatureC, returnTemperatureC } = input.heat;
    if (returnTemperatureC != null && returnTemperatureC >= temperatureC) {
      errors['heat.returnTemperatureC'] = 'must be below temperatureC';
    }
  }

  if (category === 'material') {
    const m = input.material;
    if (direction === 'supply' && input.regulatoryStatus == null) {
      errors.regulatoryStatus = 'required for a material supply: waste, by_product or end_of_waste';
    }
    if (m) {
      if (m.ewcCode != null && !isValidEwcCode(m.ewcCode)) {
        errors['material.ewcCode'] = 'must be an EWC code such as "10 02 02" (with "*" if hazardous)';
      } else if (m.ewcCode != null && m.ewcCode.endsWith('*') && m.hazardous === false) {
        errors['material.hazardous'] = `cannot be false: EWC code ${m.ewcCode} is a hazardous entry`;
      }
      if (input.regulatoryStatus === 'waste' && m.ewcCode == null) {
        errors['material.ewcCode'] = 'required for a stream whose regulatoryStatus is waste';
      }
    }
  } else if (input.regulatoryStatus != null) {
    errors.regulatoryStatus = 'only a material stream has a regulatoryStatus';
  }

  if (input.availableFrom && input.availableUntil && input.availableUntil < input.availableFrom) {
    errors.availableUntil = 'must not be before availableFrom';
  } else if (options.availableUntilSet && input.availableUntil && input.availableUntil < options.today) {
    errors.availableUntil = `must not be in the past (today is ${options.today})`;
  }
  return errors;
}

/** Whether a material is hazardous: as the stream says, else by its EWC code, else by its type's default. */
export function resolveHazardous(
  materialType: MaterialType,
  ewcCode: string | null | undefined,
  hazardous: boolean | null | undefined,
): boolean {
  if (hazardous != null) return hazardous;
  if (ewcCode != null) return ewcCode.endsWith('*');
  return MATERIAL_TAXONOMY[materialType]?.hazardousDefault ?? false;
}
