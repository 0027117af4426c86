import { regionDate } from '../streams/stream-rules';

/**
 * Calendar months as the reports and deliveries use them: 'YYYY-MM' text, or a month index (months
 * since year 0) for arithmetic. Months are civil months in the region's calendar (Europe/Brussels).
 */
export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The earliest month a delivery or a report may name. */
export const FIRST_MONTH = '2000-01';

/** A report spans at most this many months (10 years). */
export const MAX_REPORT_MONTHS = 120;

export const PERIOD_GRAINS = ['month', 'quarter', 'year'] as const;
export type PeriodGrain = (typeof PERIOD_GRAINS)[number];

export function isMonth(value: unknown): value is string {
  return typeof value === 'string' && MONTH_PATTERN.test(value);
}

/** 'YYYY-MM' → months since year 0 (2025-01 → 24300). */
export function monthIndex(month: string): number {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new Error(`not a month: ${month}`);
  return Number(m[1]) * 12 + Number(m[2]) - 1;
}

export function monthFromIndex(index: number): string {
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** The current month in the region's calendar. */
export function currentRegionMonth(now: Date = new Date()): string {
  return regionDate(now).slice(0, 7);
}

/** Months from `from` to `to` inclusive. */
export function monthsBetween(from: string, to: string): number {
  return monthIndex(to) - monthIndex(from) + 1;
}

/** The first month of the period (of the grain) that contains `month`. */
export function bucketStart(month: string, grain: PeriodGrain): string {
  const i = monthIndex(month);
  if (grain === 'month') return month;
  if (grain === 'quarter') return monthFromIndex(i - (i % 3));
  return monthFromIndex(i - (i % 12));
}

/** A period's label: 'YYYY-MM', 'YYYY-Qn' or 'YYYY'. */
export function periodLabel(month: string, grain: PeriodGrain): string {
  if (grain === 'month') return month;
  const [year, mm] = month.split('-');
  if (grain === 'quarter') return `${year}-Q${Math.floor((Number(mm) - 1) / 3) + 1}`;
  return year;
}

/** Every period of the grain that meets [from, to], in order, with the months of it inside [from, to]. */
export function periodsBetween(
  from: string,
  to: string,
  grain: PeriodGrain,
): { label: string; firstMonth: string; lastMonth: string; months: number }[] {
  const out: { label: string; firstMonth: string; lastMonth: string; months: number }[] = [];
  const end = monthIndex(to);
  let i = monthIndex(from);
  while (i <= end) {
    const start = monthIndex(bucketStart(monthFromIndex(i), grain));
    const size = grain === 'month' ? 1 : grain === 'quarter' ? 3 : 12;
    const last = Math.min(start + size - 1, end);
    out.push({
      label: periodLabel(monthFromIndex(i), grain),
      firstMonth: monthFromIndex(i),
      lastMonth: monthFromIndex(last),
      months: last - i + 1,
    });
    i = last + 1;
  }
  return out;
}
