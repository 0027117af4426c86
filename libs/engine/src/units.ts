import type { Category } from './domain.types';

export const CANONICAL_UNIT = {
  heat: 'MWh/yr',
  co2: 't/yr',
  hydrogen: 't/yr',
  material: 't/yr',
  water: 'm3/yr',
} as const satisfies Record<Category, string>;
export type CanonicalUnit = (typeof CANONICAL_UNIT)[Category];

export const ACCEPTED_UNITS = {
  heat: ['MWh/yr', 'GWh/yr', 'GJ/yr', 'TJ/yr', 'MW'],
  co2: ['t/yr', 'kt/yr'],
  hydrogen: ['t/yr', 'kt/yr'],
  material: ['t/yr', 'kt/yr'],
  water: ['m3/yr'],
} as const satisfies Record<Category, readonly string[]>;
export type AcceptedUnit = (typeof ACCEPTED_UNITS)[Category][number];

/** Hours in a leap year: the most full-load hours a year can have. */
export const MAX_FULL_LOAD_HOURS = 8784;

/**
 * Conversion to the canonical unit as an exact rational multiplier num/den, applied as (amount × num) / den
 * so that a conversion such as GJ → MWh (× 5/18, i.e. ÷ 3.6) rounds once instead of twice.
 */
const TO_CANONICAL: Readonly<Record<string, readonly [number, number]>> = {
  'MWh/yr': [1, 1],
  'GWh/yr': [1000, 1],
  'GJ/yr': [5, 18],
  'TJ/yr': [2500, 9],
  't/yr': [1, 1],
  'kt/yr': [1000, 1],
  'm3/yr': [1, 1],
};

export const UNIT_ERRORS = [
  'unknown_category',
  'unit_not_accepted',
  'invalid_amount',
  'full_load_hours_required',
  'full_load_hours_out_of_range',
] as const;
export type UnitErrorCode = (typeof UNIT_ERRORS)[number];

export interface QuantityInput {
  amount: number;
  unit: string;
  /** Required for 'MW' (a capacity): hours per year at full load, 1..8784. */
  fullLoadHours?: number | null;
}

export interface UnitError {
  readonly ok: false;
  readonly code: UnitErrorCode;
  readonly message: string;
}
export type CanonicalResult =
  { readonly ok: true; readonly amount: number; readonly unit: CanonicalUnit } | UnitError;
export type ConversionResult =
  { readonly ok: true; readonly amount: number; readonly unit: string } | UnitError;

/**
 * Removes binary rounding noise (e.g. 999.9999999999999 → 1000) by keeping 12 significant digits:
 * a relative change below 5e-13, far under any measurement precision.
 */
export function roundRelative(x: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(12));
}

function isCategory(x: unknown): x is Category {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(CANONICAL_UNIT, x);
}

function fail(code: UnitErrorCode, message: string): UnitError {
  return { ok: false, code, message };
}

/** Converts a quantity to its category's canonical unit, or says why it cannot. */
export function toCanonical(category: Category, input: QuantityInput): CanonicalResult {
  if (!isCategory(category)) return fail('unknown_category', `unknown category ${String(category)}`);
  const accepted: readonly string[] = ACCEPTED_UNITS[category];
  const unit = CANONICAL_UNIT[category];
  if (!accepted.includes(input.unit)) {
    return fail('unit_not_accepted', `${category} accepts ${accepted.join(', ')}; got ${String(input.unit)}`);
  }
  const amount = input.amount;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
    return fail('invalid_amount', 'amount must be a finite number ≥ 0');
  }
  if (input.unit === 'MW') {
    const hours = input.fullLoadHours;
    if (hours === undefined || hours === null) {
      return fail(
        'full_load_hours_required',
        'a capacity in MW needs fullLoadHours (1..8784) to become MWh/yr',
      );
    }
    if (typeof hours !== 'number' || !Number.isFinite(hours) || hours < 1 || hours > MAX_FULL_LOAD_HOURS) {
      return fail(
        'full_load_hours_out_of_range',
        `fullLoadHours must be between 1 and ${MAX_FULL_LOAD_HOURS}`,
      );
    }
    return { ok: true, amount: roundRelative(amount * hours), unit };
  }
  const [num, den] = TO_CANONICAL[input.unit];
  return { ok: true, amount: roundRelative((amount * num) / den), unit };
}

/** Display units per category for reports and deliveries (MW is a capacity, not a quantity: excluded). */
export const DISPLAY_UNITS = {
  heat: ['MWh/yr', 'GWh/yr', 'GJ/yr', 'TJ/yr'],
  co2: ['t/yr', 'kt/yr'],
  hydrogen: ['t/yr', 'kt/yr'],
  material: ['t/yr', 'kt/yr'],
  water: ['m3/yr'],
} as const satisfies Record<Category, readonly string[]>;

/** Converts a canonical amount to another accepted unit of the category (inverse of toCanonical). */
export function fromCanonical(category: Category, amount: number, unit: string): ConversionResult {
  if (!isCategory(category)) return fail('unknown_category', `unknown category ${String(category)}`);
  const units: readonly string[] = DISPLAY_UNITS[category];
  if (!units.includes(unit)) return fail('unit_not_accepted', `${category} displays as ${units.join(', ')}`);
  if (typeof amount !== 'number' || !Number.isFinite(amount))
    return fail('invalid_amount', 'amount must be finite');
  const [num, den] = TO_CANONICAL[unit];
  return { ok: true, amount: roundRelative((amount * den) / num), unit };
}
