import { PeriodGrain, periodLabel } from './report-periods';

/**
 * Pure assembly of a savings report from measured groups, with the province suppression rule.
 *
 * Suppression (province users only; coordinators and admins see every number):
 * - The unit of protection is the **atomic cell**: one month × category × supplier region × receiver
 *   region (for `potential`, the plan's months alike). An atomic cell resting on fewer than
 *   MIN_COMPANIES distinct companies (both sides of its exchanges) is *withheld*.
 * - Every number a province user receives — each row's energy and CO2 and the totals — is a sum of
 *   publishable (not withheld) atomic cells only. No published number contains any part of a withheld
 *   cell, so no combination of reports (differencing totals against rows, one range against another,
 *   quarters against months, receiver against supplier attribution) can recover one.
 * - A row without any publishable atomic cell is suppressed: its values and counts are null and
 *   `suppressed: true` (this covers every row that rests on fewer than 3 companies). A row with some
 *   withheld cells keeps its publishable part and says `partial: true`.
 * - `totals` are the sum of the rows as published (so totals minus visible rows is always zero);
 *   their counts are distinct over the whole report and null when the totals are suppressed.
 */
export const MIN_COMPANIES = 3;

export type GroupKey = 'period' | 'category' | 'region';
export const GROUP_KEYS: readonly GroupKey[] = ['period', 'category', 'region'];

/** One group as measured over all data (no suppression): sums and distinct counts. */
export interface MeasuredGroup {
  /** First month of the group's period ('YYYY-MM'), when grouped by period. */
  periodStart?: string;
  category?: string;
  region?: string;
  energy: number;
  co2: number;
  exchanges: number;
  companies: number;
}

/** One month × category × supplier region × receiver region with its distinct companies. */
export interface AtomicCell {
  month: string;
  category: string;
  supplierRegion: string;
  receiverRegion: string;
  energy: number;
  co2: number;
  companies: number;
}

export interface SavingsRow {
  period?: string;
  category?: string;
  region?: string;
  energySavedMWh: number | null;
  co2AvoidedTonnes: number | null;
  exchanges: number | null;
  companies: number | null;
  suppressed: boolean;
  /** Some of the row's atomic cells were withheld; the values are the publishable part. */
  partial: boolean;
}

export type SavingsTotals = Omit<SavingsRow, 'period' | 'category' | 'region'>;

const ZERO_TOTALS: SavingsTotals = {
  energySavedMWh: 0,
  co2AvoidedTonnes: 0,
  exchanges: 0,
  companies: 0,
  suppressed: false,
  partial: false,
};

export interface AssemblyOptions {
  groupBy: readonly GroupKey[];
  grain: PeriodGrain;
  attribution: 'receiver' | 'supplier';
  /** Atomic cells of the report's scope, or null when the caller sees everything. */
  atomic: AtomicCell[] | null;
}

/** Values are rounded to 3 decimals (kWh, kg) for output. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000 + 0;
}

function keyOf(
  g: { periodStart?: string; category?: string; region?: string },
  groupBy: readonly GroupKey[],
) {
  let key = '';
  for (let i = 0; i < groupBy.length; i++) {
    const k = groupBy[i];
    const part = k === 'period' ? g.periodStart : k === 'category' ? g.category : g.region;
    key = i === 0 ? (part ?? '') : `${key}|${part ?? ''}`;
  }
  return key;
}

/** The groups with their keys, in key order (keys built once; groups already in order are not re-sorted). */
function sortedByKey(groups: MeasuredGroup[], groupBy: readonly GroupKey[]) {
  const keyed = groups.map((g) => ({ key: keyOf(g, groupBy), g }));
  for (let i = 1; i < keyed.length; i++) {
    if (keyed[i - 1].key > keyed[i].key) {
      keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      break;
    }
  }
  return keyed;
}

/**
 * Builds rows in one fixed property order (period, category, region, values) without spreading
 * label objects, which dominated the assembly of reports of thousands of rows.
 */
function rowBuilder(groupBy: readonly GroupKey[], grain: PeriodGrain) {
  const byPeriod = groupBy.includes('period');
  const byCategory = groupBy.includes('category');
  const byRegion = groupBy.includes('region');
  const labels = new Map<string, string>();
  const label = (periodStart: string) => {
    let l = labels.get(periodStart);
    if (l === undefined) labels.set(periodStart, (l = periodLabel(periodStart, grain)));
    return l;
  };
  return (
    g: MeasuredGroup,
    energySavedMWh: number | null,
    co2AvoidedTonnes: number | null,
    exchanges: number | null,
    companies: number | null,
    suppressed: boolean,
    partial: boolean,
  ): SavingsRow => {
    // Properties added in the same order for every row, so all rows share one object shape.
    const row = {} as SavingsRow;
    if (byPeriod && g.periodStart) row.period = label(g.periodStart);
    if (byCategory) row.category = g.category;
    if (byRegion) row.region = g.region;
    row.energySavedMWh = energySavedMWh;
    row.co2AvoidedTonnes = co2AvoidedTonnes;
    row.exchanges = exchanges;
    row.companies = companies;
    row.suppressed = suppressed;
    row.partial = partial;
    return row;
  };
}

/** First month of the grain's period containing `month` ('YYYY-MM'). */
function bucketOf(month: string, grain: PeriodGrain): string {
  if (grain === 'month') return month;
  const mm = Number(month.slice(5, 7));
  const first = grain === 'quarter' ? Math.floor((mm - 1) / 3) * 3 + 1 : 1;
  return `${month.slice(0, 4)}-${first < 10 ? '0' : ''}${first}`;
}

export function assembleReport(
  groups: MeasuredGroup[],
  total: MeasuredGroup | null,
  options: AssemblyOptions,
): { rows: SavingsRow[]; totals: SavingsTotals } {
  const { groupBy, grain, atomic } = options;
  const sorted = sortedByKey(groups, groupBy);
  const build = rowBuilder(groupBy, grain);

  if (atomic === null) {
    const rows: SavingsRow[] = [];
    for (const { g } of sorted) {
      rows.push(build(g, round3(g.energy), round3(g.co2), g.exchanges, g.companies, false, false));
    }
    if (!total) return { rows, totals: { ...ZERO_TOTALS } };
    return {
      rows,
      totals: {
        energySavedMWh: round3(total.energy),
        co2AvoidedTonnes: round3(total.co2),
        exchanges: total.exchanges,
        companies: total.companies,
        suppressed: false,
        partial: false,
      },
    };
  }

  // Publishable parts per group, from the atomic cells.
  const parts = new Map<string, { energy: number; co2: number; safe: number; withheld: number }>();
  const part = (key: string) => {
    let p = parts.get(key);
    if (!p) parts.set(key, (p = { energy: 0, co2: 0, safe: 0, withheld: 0 }));
    return p;
  };
  const buckets = new Map<string, string>();
  const bucket = (month: string) => {
    let b = buckets.get(month);
    if (b === undefined) buckets.set(month, (b = bucketOf(month, grain)));
    return b;
  };
  for (const cell of atomic) {
    if (cell.energy === 0 && cell.co2 === 0 && cell.companies === 0) continue;
    const g = {
      periodStart: bucket(cell.month),
      category: cell.category,
      region: options.attribution === 'receiver' ? cell.receiverRegion : cell.supplierRegion,
    };
    const p = part(keyOf(g, groupBy));
    if (cell.companies >= MIN_COMPANIES) {
      p.energy += cell.energy;
      p.co2 += cell.co2;
      p.safe += 1;
    } else {
      p.withheld += 1;
    }
  }
  const byKey = new Map<string, MeasuredGroup>();
  for (const { key, g } of sorted) byKey.set(key, g);
  const rows: SavingsRow[] = [];
  let energy = 0;
  let co2 = 0;
  let safeCells = 0;
  let withheldCells = 0;
  for (const [key, g] of byKey) {
    const p = parts.get(key) ?? { energy: 0, co2: 0, safe: 0, withheld: 0 };
    safeCells += p.safe;
    withheldCells += p.withheld;
    if (p.safe === 0) {
      rows.push(build(g, null, null, null, null, true, false));
      continue;
    }
    const e = round3(p.energy);
    const c = round3(p.co2);
    energy += e;
    co2 += c;
    rows.push(build(g, e, c, g.exchanges, g.companies, false, p.withheld > 0));
  }
  const hasData = (total?.exchanges ?? 0) > 0 || safeCells + withheldCells > 0;
  let totals: SavingsTotals;
  if (!hasData) {
    totals = { ...ZERO_TOTALS };
  } else if (safeCells === 0 || !total) {
    totals = {
      energySavedMWh: null,
      co2AvoidedTonnes: null,
      exchanges: null,
      companies: null,
      suppressed: true,
      partial: false,
    };
  } else {
    totals = {
      energySavedMWh: round3(energy),
      co2AvoidedTonnes: round3(co2),
      exchanges: total.exchanges,
      companies: total.companies,
      suppressed: false,
      partial: withheldCells > 0,
    };
  }
  return { rows, totals };
}
