import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError } from '@symbiose/core';
import { DataSource, EntityManager } from 'typeorm';
import { latestPlanItemsWithRegions, PlanItemWithRegions } from '../allocation/allocation-reports';
import { Principal } from '../identity/principal';
import { isRegionCode } from '../identity/regions';
import {
  AtomicCell,
  assembleReport,
  GROUP_KEYS,
  GroupKey,
  MeasuredGroup,
  MIN_COMPANIES,
  SavingsRow,
  SavingsTotals,
} from './report-assembly';
import {
  bucketStart,
  FIRST_MONTH,
  isMonth,
  MAX_REPORT_MONTHS,
  monthFromIndex,
  monthIndex,
  monthsBetween,
  PERIOD_GRAINS,
  PeriodGrain,
} from './report-periods';
import { ReportSummaryService } from './report-summary.service';
import { queryColumns } from '../database/columnar-query';

export const REPORT_BASES = ['realised', 'approved', 'potential'] as const;
export type ReportBasis = (typeof REPORT_BASES)[number];
export const ATTRIBUTIONS = ['receiver', 'supplier'] as const;
export type Attribution = (typeof ATTRIBUTIONS)[number];

export interface SavingsQueryInput {
  from: string;
  to: string;
  basis?: ReportBasis;
  groupBy?: readonly GroupKey[];
  period?: PeriodGrain;
  region?: string | null;
  attribution?: Attribution;
}

export interface SavingsQuery {
  from: string;
  to: string;
  basis: ReportBasis;
  groupBy: GroupKey[];
  period: PeriodGrain;
  region: string | null;
  attribution: Attribution;
}

export interface SavingsSection {
  rows: SavingsRow[];
  totals: SavingsTotals;
}

export interface SavingsReport extends SavingsSection {
  basis: ReportBasis;
  from: string;
  to: string;
  period: PeriodGrain;
  groupBy: GroupKey[];
  attribution: Attribution;
  /** The region the rows are limited to (a province user's own region), or null for all. */
  region: string | null;
  /** `realised` only: deliveries not yet verified by a coordinator, reported apart (same grouping). */
  unverified?: SavingsSection;
  /** `potential` only: the allocation plan the figures come from (null before the first plan). */
  plan?: { id: string; createdAt: string } | null;
  suppression: { applied: boolean; minCompanies: number; rule: string };
}

const SUPPRESSION_RULE =
  'Values are sums of publishable cells only: a month × category × supplier region × receiver region cell ' +
  `resting on fewer than ${MIN_COMPANIES} distinct companies is withheld from every number, rows without a ` +
  'publishable cell are suppressed (null), and totals are the sum of the published rows.';

/** Validates and completes a savings query; errors name the query parameter. */
export function normaliseSavingsQuery(input: SavingsQueryInput): SavingsQuery {
  const errors: Record<string, string> = {};
  if (!isMonth(input.from)) errors.from = 'must be a month YYYY-MM';
  else if (input.from < FIRST_MONTH) errors.from = `must be ${FIRST_MONTH} or later`;
  if (!isMonth(input.to)) errors.to = 'must be a month YYYY-MM';
  if (!errors.from && !errors.to) {
    if (input.to < input.from) errors.to = 'must not be before from';
    else if (monthsBetween(input.from, input.to) > MAX_REPORT_MONTHS)
      errors.to = `the report may span at most ${MAX_REPORT_MONTHS / 12} years (${MAX_REPORT_MONTHS} months) from from`;
  }
  const basis = input.basis ?? 'realised';
  if (!REPORT_BASES.includes(basis)) errors.basis = `must be one of ${REPORT_BASES.join(', ')}`;
  const period = input.period ?? 'month';
  if (!PERIOD_GRAINS.includes(period)) errors.period = `must be one of ${PERIOD_GRAINS.join(', ')}`;
  const attribution = input.attribution ?? 'receiver';
  if (!ATTRIBUTIONS.includes(attribution)) errors.attribution = `must be one of ${ATTRIBUTIONS.join(', ')}`;
  const groupBy = [...(input.groupBy ?? ['period'])];
  if (groupBy.some((k) => !GROUP_KEYS.includes(k)) || new Set(groupBy).size !== groupBy.length)
    errors.groupBy = `must be distinct keys of ${GROUP_KEYS.join(', ')}`;
  const region = input.region ?? null;
  if (region !== null && !isRegionCode(region))
    errors.region = 'must be an ISO 3166-2 region code such as BE-VOV';
  if (Object.keys(errors).length > 0) throw DomainError.validation(errors);
  return { from: input.from, to: input.to, basis, groupBy, period, region, attribution };
}

/** Day 0 of the periods' day numbers in the grouped query (Date.UTC(2000, 0, 1 + day) is the day). */
const EPOCH_DAY = '2000-01-01';

/**
 * The grouped query's columns (see measure). period_day is the period's first day as days since EPOCH_DAY
 * (to_char on every row cost more than the rest).
 */
const GROUP_COLUMNS = {
  basis: 'text',
  total: 'boolean',
  period_day: 'number',
  category: 'text',
  region: 'text',
  energy: 'number',
  co2: 'number',
  exchanges: 'number',
  companies: 'number',
} as const;

/** The atomic cells' columns (see atomicCells). */
const ATOMIC_COLUMNS = {
  basis: 'text',
  month: 'text',
  category: 'text',
  supplier_region: 'text',
  receiver_region: 'text',
  energy: 'number',
  co2: 'number',
  companies: 'number',
} as const;

/**
 * GET /reports/savings. `realised` and `approved` read only report_cells (a few thousand rows at
 * most, by index); `potential` reads the latest allocation plan's items (a small, already aggregated
 * table of the plan). Province users get their own region only and suppressed small cells (see
 * report-assembly.ts); coordinators and admins get every number.
 */
@Injectable()
export class ReportsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly summaries: ReportSummaryService,
  ) {}

  async savings(principal: Principal, input: SavingsQueryInput): Promise<SavingsReport> {
    const query = normaliseSavingsQuery(input);
    const restricted = principal.role === 'province';
    if (restricted) {
      if (!principal.region) throw DomainError.forbidden('Your account has no region to report on');
      if (query.region !== null && query.region !== principal.region) {
        throw DomainError.forbidden(`Province users report on their own region (${principal.region}) only`);
      }
      query.region = principal.region;
    } else if (principal.role !== 'coordinator' && principal.role !== 'admin') {
      throw DomainError.forbidden();
    }
    const base = {
      basis: query.basis,
      from: query.from,
      to: query.to,
      period: query.period,
      groupBy: query.groupBy,
      attribution: query.attribution,
      region: query.region,
      suppression: { applied: restricted, minCompanies: MIN_COMPANIES, rule: SUPPRESSION_RULE },
    };
    if (query.basis === 'approved') await this.summaries.ensureHorizon();
    // One snapshot for rows, totals and cells (they always agree), and no JIT: these are small,
    // index-driven reads that JIT compilation would only slow down.
    return this.db.transaction('REPEATABLE READ', async (m) => {
      await m.query('SET LOCAL jit = off');
      if (query.basis === 'potential') {
        const { plan, items } = await latestPlanItemsWithRegions(m);
        return { ...base, ...this.potentialSection(query, items, restricted), plan };
      }
      if (query.basis === 'approved') {
        const { approved } = await this.summarySections(m, ['approved'], query, restricted);
        return { ...base, ...approved };
      }
      const { realised, unverified } = await this.summarySections(
        m,
        ['realised', 'unverified'],
        query,
        restricted,
      );
      return { ...base, ...realised, unverified };
    });
  }

  /**
   * Bases of the summary tables: grouped measures and totals in one statement, and for province users
   * the atomic cells in another.
   */
  private async summarySections<B extends 'realised' | 'unverified' | 'approved'>(
    m: EntityManager,
    bases: B[],
    q: SavingsQuery,
    restricted: boolean,
  ): Promise<Record<B, SavingsSection>> {
    const measured = await this.measure(m, bases, q);
    const atomic = restricted ? await this.atomicCells(m, bases, q) : null;
    const out = {} as Record<B, SavingsSection>;
    for (const basis of bases) {
      out[basis] = assembleReport(
        measured.filter((g) => g.basis === basis && !g.total),
        measured.find((g) => g.basis === basis && g.total) ?? null,
        {
          groupBy: q.groupBy,
          grain: q.period,
          attribution: q.attribution,
          atomic: atomic ? atomic.filter((c) => c.basis === basis) : null,
        },
      );
    }
    return out;
  }

  /**
   * Sums and distinct counts per group from report_cells, and the totals (the same without group
   * keys) in the same statement. A member (exchange or company) counts in a period once: in its first
   * month there, i.e. the rows whose previous month lies before the period's first month (clipped to
   * `from`).
   */
  private async measure(
    m: EntityManager,
    bases: string[],
    q: SavingsQuery,
  ): Promise<(MeasuredGroup & { basis: string; total: boolean })[]> {
    const params: unknown[] = [bases, `${q.from}-01`, `${q.to}-01`];
    const attributed = q.attribution === 'receiver' ? 'receiver_region' : 'supplier_region';
    const other = q.attribution === 'receiver' ? 'supplier_region' : 'receiver_region';
    if (q.region) params.push(q.region);
    const select = (groupBy: readonly GroupKey[], total: boolean) => {
      const byPeriod = groupBy.includes('period');
      const byCategory = groupBy.includes('category');
      const byRegion = groupBy.includes('region');
      const bucket = !byPeriod
        ? `$2::date`
        : q.period === 'month'
          ? `month`
          : `date_trunc('${q.period}', month::timestamp)::date`;
      const where = [`basis = ANY($1::text[])`, `month BETWEEN $2::date AND $3::date`];
      where.push(byCategory ? `category <> '*'` : `category = '*'`);
      if (byRegion || q.region) {
        where.push(`${other} = '*'`, `${attributed} <> '*'`);
        if (q.region) where.push(`${attributed} = $4`);
      } else {
        where.push(`supplier_region = '*'`, `receiver_region = '*'`);
      }
      // Grouped in the order of report_cells' indexes (basis, the attributed region, category, month once
      // the other region is fixed to '*'), so the aggregate can stream from the index without a sort.
      const keys = ['basis'];
      if (byRegion) keys.push(attributed);
      if (byCategory) keys.push('category');
      if (byPeriod) keys.push(bucket);
      const first = `greatest(${bucket}, $2::date)`;
      // Sums leave as float8: numeric → float8 rounds exactly as Number() of numeric's text did, and
      // the driver parses short numbers instead of 20-digit decimals.
      return `SELECT basis, ${total} AS total,
              ${byPeriod ? `${bucket} - DATE '${EPOCH_DAY}'` : 'NULL::int'} AS period_day,
              ${byCategory ? 'category' : 'NULL::text'} AS category,
              ${byRegion ? attributed : 'NULL::text'} AS region,
              (sum(energy_mwh) FILTER (WHERE kind = 'match'))::float8 AS energy,
              (sum(co2_t) FILTER (WHERE kind = 'match'))::float8 AS co2,
              coalesce(sum(n) FILTER (WHERE kind = 'match' AND prev_month < ${first}), 0)::int AS exchanges,
              coalesce(sum(n) FILTER (WHERE kind = 'company' AND prev_month < ${first}), 0)::int AS companies
       FROM report_cells
       WHERE ${where.join(' AND ')}
       GROUP BY ${keys.join(', ')}`;
    };
    // No ORDER BY: sorting here cost Postgres more than the assembly's sort of precomputed keys. Read as
    // columns: thousands of rows (see queryColumns).
    const { length, columns: c } = await queryColumns(
      m,
      `${select(q.groupBy, false)} UNION ALL ${select([], true)}`,
      params,
      GROUP_COLUMNS,
    );
    const months = new Map<number, string>();
    const monthOf = (day: number) => {
      let month = months.get(day);
      if (month === undefined) {
        month = new Date(Date.UTC(2000, 0, 1 + day)).toISOString().slice(0, 7);
        months.set(day, month);
      }
      return month;
    };
    const groups: (MeasuredGroup & { basis: string; total: boolean })[] = new Array(length);
    for (let i = 0; i < length; i++) {
      const periodDay = c.period_day[i];
      groups[i] = {
        basis: c.basis[i] ?? '',
        total: c.total[i] === true,
        periodStart: periodDay === null ? undefined : monthOf(periodDay),
        category: c.category[i] ?? undefined,
        region: c.region[i] ?? undefined,
        energy: c.energy[i] ?? 0,
        co2: c.co2[i] ?? 0,
        exchanges: c.exchanges[i] ?? 0,
        companies: c.companies[i] ?? 0,
      };
    }
    return groups;
  }

  /** The pair cells (month × category × both regions) of the caller's region, with distinct companies. */
  private async atomicCells(
    m: EntityManager,
    bases: string[],
    q: SavingsQuery,
  ): Promise<(AtomicCell & { basis: string })[]> {
    const attributed = q.attribution === 'receiver' ? 'receiver_region' : 'supplier_region';
    const other = q.attribution === 'receiver' ? 'supplier_region' : 'receiver_region';
    const { length, columns: c } = await queryColumns(
      m,
      `SELECT basis, to_char(month, 'YYYY-MM') AS month, category, supplier_region, receiver_region,
              (sum(energy_mwh) FILTER (WHERE kind = 'match'))::float8 AS energy,
              (sum(co2_t) FILTER (WHERE kind = 'match'))::float8 AS co2,
              coalesce(sum(n) FILTER (WHERE kind = 'company'), 0)::int AS companies
       FROM report_cells
       WHERE basis = ANY($1::text[]) AND month BETWEEN $2::date AND $3::date AND ${attributed} = $4
         AND ${other} <> '*' AND category <> '*'
       GROUP BY 1, 2, 3, 4, 5`,
      [bases, `${q.from}-01`, `${q.to}-01`, q.region],
      ATOMIC_COLUMNS,
    );
    const cells: (AtomicCell & { basis: string })[] = new Array(length);
    for (let i = 0; i < length; i++) {
      cells[i] = {
        basis: c.basis[i] ?? '',
        month: c.month[i] ?? '',
        category: c.category[i] ?? '',
        supplierRegion: c.supplier_region[i] ?? '',
        receiverRegion: c.receiver_region[i] ?? '',
        energy: c.energy[i] ?? 0,
        co2: c.co2[i] ?? 0,
        companies: c.companies[i] ?? 0,
      };
    }
    return cells;
  }

  /**
   * The `potential` basis from the latest allocation plan: each item counts 1/12 of its annual figures
   * in every month of [from, to] in which both of its streams are available (as GET /allocation's
   * plan defines it). The plan is a small table (one row per allocated pair), so this is computed
   * here from its items rather than kept in report_cells.
   */
  private potentialSection(
    q: SavingsQuery,
    items: PlanItemWithRegions[],
    restricted: boolean,
  ): SavingsSection {
    const from = monthIndex(q.from);
    const to = monthIndex(q.to);
    const regionOf = (i: PlanItemWithRegions) =>
      q.attribution === 'receiver' ? i.receiverRegion : i.supplierRegion;
    const monthOf = (date: string | null, fallback: number) =>
      date ? monthIndex(date.slice(0, 7)) : fallback;
    const groups = new Map<string, MeasuredGroup & { matches: Set<string>; companySet: Set<string> }>();
    const totals = { energy: 0, co2: 0, matches: new Set<string>(), companySet: new Set<string>() };
    const atoms = new Map<string, AtomicCell & { companySet: Set<string> }>();
    for (const item of items) {
      if (q.region && regionOf(item) !== q.region) continue;
      const start = Math.max(
        from,
        monthOf(item.supplyAvailableFrom, from),
        monthOf(item.demandAvailableFrom, from),
      );
      const end = Math.min(
        to,
        monthOf(item.supplyAvailableUntil, to),
        monthOf(item.demandAvailableUntil, to),
      );
      if (start > end) continue;
      const monthlyEnergy = item.energySavedMWhPerYear / 12;
      const monthlyCo2 = item.co2AvoidedTonnesPerYear / 12;
      const companies = [item.supplierCompanyId, item.receiverCompanyId];
      for (let i = start; i <= end; i++) {
        const month = monthFromIndex(i);
        const g = {
          periodStart: q.groupBy.includes('period') ? bucketStart(month, q.period) : undefined,
          category: q.groupBy.includes('category') ? item.category : undefined,
          region: q.groupBy.includes('region') ? regionOf(item) : undefined,
        };
        const key = `${g.periodStart}|${g.category}|${g.region}`;
        let group = groups.get(key);
        if (!group) {
          group = {
            ...g,
            energy: 0,
            co2: 0,
            exchanges: 0,
            companies: 0,
            matches: new Set(),
            companySet: new Set(),
          };
          groups.set(key, group);
        }
        group.energy += monthlyEnergy;
        group.co2 += monthlyCo2;
        group.matches.add(item.matchId);
        companies.forEach((c) => group.companySet.add(c));
        totals.energy += monthlyEnergy;
        totals.co2 += monthlyCo2;
        totals.matches.add(item.matchId);
        companies.forEach((c) => totals.companySet.add(c));
        if (restricted) {
          const aKey = `${month}|${item.category}|${item.supplierRegion}|${item.receiverRegion}`;
          let atom = atoms.get(aKey);
          if (!atom) {
            atom = {
              month,
              category: item.category,
              supplierRegion: item.supplierRegion,
              receiverRegion: item.receiverRegion,
              energy: 0,
              co2: 0,
              companies: 0,
              companySet: new Set(),
            };
            atoms.set(aKey, atom);
          }
          atom.energy += monthlyEnergy;
          atom.co2 += monthlyCo2;
          companies.forEach((c) => atom.companySet.add(c));
        }
      }
    }
    const measured: MeasuredGroup[] = [...groups.values()].map((g) => ({
      periodStart: g.periodStart,
      category: g.category,
      region: g.region,
      energy: g.energy,
      co2: g.co2,
      exchanges: g.matches.size,
      companies: g.companySet.size,
    }));
    const total: MeasuredGroup | null =
      totals.matches.size > 0
        ? {
            energy: totals.energy,
            co2: totals.co2,
            exchanges: totals.matches.size,
            companies: totals.companySet.size,
          }
        : null;
    const atomic = restricted
      ? [...atoms.values()].map((a) => ({ ...a, companies: a.companySet.size }))
      : null;
    return assembleReport(measured, total, {
      groupBy: q.groupBy,
      grain: q.period,
      attribution: q.attribution,
      atomic,
    });
  }
}
