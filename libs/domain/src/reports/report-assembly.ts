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
  return groupBy
    .map((k) => (k === 'period' ? g.periodStart : k === 'category' ? g.category : g.region))
    .join('|');
}

export function assembleReport(
  groups: MeasuredGroup[],
  total: MeasuredGroup | null,
  options: AssemblyOptions,
): { rows: SavingsRow[]; totals: SavingsTotals } {
  const { groupBy, grain, atomic } = options;
  const label = (g: MeasuredGroup): Partial<SavingsRow> => ({
    ...(groupBy.includes('period') && g.periodStart ? { period: periodLabel(g.periodStart, grain) } : {}),
    ...(groupBy.includes('category') ? { category: g.category } : {}),
    ...(groupBy.includes('region') ? { region: g.region } : {}),
  });
  const sorted = [...groups].sort((a, b) => {
    const ka = keyOf(a, groupBy);
    const kb = keyOf(b, groupBy);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });

  if (atomic === null) {
    const rows = sorted.map((g) => ({
      ...label(g),
      energySavedMWh: round3(g.energy),
      co2AvoidedTonnes: round3(g.co2),
      exchanges: g.exchanges,
      companies: g.companies,
      suppressed: false,
      partial: false,
    }));
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
  const bucket = (month: string) => {
    if (grain === 'month') return month;
    const [y, mm] = month.split('-').map(Number);
    const first = grain === 'quarter' ? Math.floor((mm - 1) / 3) * 3 + 1 : 1;
    return `${y}-${String(first).padStart(2, '0')}`;
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
  const byKey = new Map<string, MeasuredGroup>(sorted.map((g) => [keyOf(g, groupBy), g]));
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
      rows.push({
        ...label(g),
        energySavedMWh: null,
        co2AvoidedTonnes: null,
        exchanges: null,
        companies: null,
        suppressed: true,
        partial: false,
      });
      continue;
    }
    const e = round3(p.energy);
    const c = round3(p.co2);
    energy += e;
    co2 += c;
    rows.push({
      ...label(g),
      energySavedMWh: e,
      co2AvoidedTonnes: c,
      exchanges: g.exchanges,
      companies: g.companies,
      suppressed: false,
      partial: p.withheld > 0,
    });
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
