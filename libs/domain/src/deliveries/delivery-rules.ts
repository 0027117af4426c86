import {
  CANONICAL_UNIT,
  Category,
  FACTOR_SET_2026_1,
  FactorSet,
  getFactorSet,
  toCanonical,
} from '@symbiose/engine';
import { currentRegionMonth, FIRST_MONTH, isMonth, monthIndex } from '../reports/report-periods';

/**
 * Rules of a delivery (a month's realised exchange): units, the month, the plausibility bound and the
 * factor set in force. Pure functions; DeliveriesService applies them.
 */

/** A month's quantity: the category's accepted units without the "/yr" of a rate. */
export const DELIVERY_UNITS = {
  heat: ['MWh', 'GWh', 'GJ', 'TJ'],
  co2: ['t', 'kt'],
  hydrogen: ['t', 'kt'],
  material: ['t', 'kt'],
  water: ['m3'],
} as const satisfies Record<Category, readonly string[]>;

export const ALL_DELIVERY_UNITS: readonly string[] = [...new Set(Object.values(DELIVERY_UNITS).flat())];

/** The canonical unit of a month's quantity (MWh, t or m3). */
export function deliveryCanonicalUnit(category: Category): string {
  return CANONICAL_UNIT[category].replace('/yr', '');
}

/**
 * A month may carry up to this multiple of the agreed annual exchanged quantity / 12. Deliveries are
 * seasonal (a heat customer takes far more in January than the average month, a plant runs harder
 * around another's turnaround), so a month well above 1/12 is normal; 1.5× leaves room for that,
 * while the usual entry mistakes land far beyond it (GJ entered as MWh is 3.6×, kt as t 1000×, a
 * year's total entered as a month 12×).
 */
export const MONTHLY_PEAK_FACTOR = 1.5;

export type Conversion = { ok: true; amount: number; unit: string } | { ok: false; message: string };

/** A month's quantity in the category's canonical unit, or why not. */
export function deliveryToCanonical(category: Category, amount: number, unit: string): Conversion {
  const units: readonly string[] = DELIVERY_UNITS[category] ?? [];
  if (!units.includes(unit)) {
    return {
      ok: false,
      message: `a ${category} delivery is measured in ${units.join(', ')} (a month's total)`,
    };
  }
  const result = toCanonical(category, { amount, unit: `${unit}/yr` });
  if (!result.ok) return { ok: false, message: result.message };
  return { ok: true, amount: result.amount, unit: deliveryCanonicalUnit(category) };
}

/** The most a month may carry for a match that exchanges `annual` (canonical unit per year). */
export function plausibleMonthlyMax(annual: number): number {
  return (annual / 12) * MONTHLY_PEAK_FACTOR;
}

/** Why a delivery month is not acceptable, or null. `activeFrom` is the month the exchange was activated. */
export function periodProblem(period: string, now: Date, activeFrom: string | null): string | null {
  if (!isMonth(period)) return 'must be a month YYYY-MM';
  if (period < FIRST_MONTH) return `must be ${FIRST_MONTH} or later`;
  const current = currentRegionMonth(now);
  if (period > current) return `lies in the future (the current month is ${current})`;
  if (activeFrom && period < activeFrom) return `lies before the exchange was activated (${activeFrom})`;
  return null;
}

/**
 * Factor sets by the first month they apply to, oldest first. Realised savings use the set in force
 * for the delivery's month, so a later release never rewrites what was reported for earlier months;
 * add a line here with each factor-set release.
 */
export const FACTOR_SET_SCHEDULE: readonly { from: string; version: string }[] = [
  { from: FIRST_MONTH, version: FACTOR_SET_2026_1.version },
];

/** The factor set in force for a month ('YYYY-MM'). */
export function factorSetForMonth(period: string): FactorSet {
  let chosen: string | null = null;
  for (const entry of FACTOR_SET_SCHEDULE)
    if (monthIndex(entry.from) <= monthIndex(period)) chosen = entry.version;
  const set = chosen ? getFactorSet(chosen) : undefined;
  if (!set) throw new Error(`no factor set in force for ${period}`);
  return set;
}
