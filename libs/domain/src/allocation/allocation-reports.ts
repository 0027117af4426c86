import { DomainError } from '@symbiose/core';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Inputs of the reports' `potential` basis: the latest allocation plan's items (annual figures) with
 * both sides' company, region and availability window, in one set-based read.
 */
export interface PlanItemWithRegions {
  matchId: string;
  category: string;
  unit: string;
  /** Delivered to the receiver per year, canonical unit. */
  quantity: number;
  /** Taken from the supplier per year (losses included), canonical unit. */
  supplyUsed: number;
  co2AvoidedTonnesPerYear: number;
  energySavedMWhPerYear: number;
  supplyStreamId: string;
  demandStreamId: string;
  supplierCompanyId: string;
  receiverCompanyId: string;
  supplierRegion: string;
  receiverRegion: string;
  /** 'YYYY-MM-DD' or null (open); an item only runs while both streams are available. */
  supplyAvailableFrom: string | null;
  supplyAvailableUntil: string | null;
  demandAvailableFrom: string | null;
  demandAvailableUntil: string | null;
}

export interface LatestPlanItems {
  /** Null before the first plan. */
  plan: { id: string; createdAt: string } | null;
  items: PlanItemWithRegions[];
}

interface PlanItemRow {
  plan_id: string;
  plan_created_at: Date;
  match_id: string;
  category: string;
  unit: string;
  quantity: number;
  supply_used: number;
  co2_t: number;
  energy_mwh: number;
  supply_stream_id: string;
  demand_stream_id: string;
  supplier_company_id: string;
  receiver_company_id: string;
  supplier_region: string;
  receiver_region: string;
  supply_from: string | null;
  supply_until: string | null;
  demand_from: string | null;
  demand_until: string | null;
}

const LATEST_PLAN = `SELECT id, created_at FROM allocation_plans ORDER BY created_at DESC, id DESC LIMIT 1`;

/** The latest plan's items with category, both companies and both sites' regions (no N+1). */
export async function latestPlanItemsWithRegions(db: DataSource | EntityManager): Promise<LatestPlanItems> {
  const rows = (await db.query(
    `WITH plan AS (${LATEST_PLAN})
     SELECT plan.id AS plan_id, plan.created_at AS plan_created_at, i.match_id, i.category, i.unit, i.quantity,
            i.supply_used, i.co2_t, i.energy_mwh, i.supply_stream_id, i.demand_stream_id,
            s.company_id AS supplier_company_id, d.company_id AS receiver_company_id,
            ss.region AS supplier_region, ds.region AS receiver_region,
            to_char(s.available_from, 'YYYY-MM-DD') AS supply_from,
            to_char(s.available_until, 'YYYY-MM-DD') AS supply_until,
            to_char(d.available_from, 'YYYY-MM-DD') AS demand_from,
            to_char(d.available_until, 'YYYY-MM-DD') AS demand_until
     FROM plan
     JOIN allocation_plan_items i ON i.plan_id = plan.id
     JOIN streams s ON s.id = i.supply_stream_id JOIN sites ss ON ss.id = s.site_id
     JOIN streams d ON d.id = i.demand_stream_id JOIN sites ds ON ds.id = d.site_id
     ORDER BY i.match_id`,
  )) as PlanItemRow[];
  let plan: LatestPlanItems['plan'] = null;
  if (rows.length > 0) plan = { id: rows[0].plan_id, createdAt: rows[0].plan_created_at.toISOString() };
  else {
    const [latest] = (await db.query(LATEST_PLAN)) as { id: string; created_at: Date }[];
    if (latest) plan = { id: latest.id, createdAt: latest.created_at.toISOString() };
  }
  return {
    plan,
    items: rows.map((r) => ({
      matchId: r.match_id,
      category: r.category,
      unit: r.unit,
      quantity: r.quantity,
      supplyUsed: r.supply_used,
      co2AvoidedTonnesPerYear: r.co2_t,
      energySavedMWhPerYear: r.energy_mwh,
      supplyStreamId: r.supply_stream_id,
      demandStreamId: r.demand_stream_id,
      supplierCompanyId: r.supplier_company_id,
      receiverCompanyId: r.receiver_company_id,
      supplierRegion: r.supplier_region,
      receiverRegion: r.receiver_region,
      supplyAvailableFrom: r.supply_from,
      supplyAvailableUntil: r.supply_until,
      demandAvailableFrom: r.demand_from,
      demandAvailableUntil: r.demand_until,
    })),
  };
}

export type PotentialGroupKey = 'period' | 'category' | 'region';

export interface PotentialSavingsQuery {
  /** First month, 'YYYY-MM'. */
  from: string;
  /** Last month (inclusive), 'YYYY-MM'. */
  to: string;
  groupBy: readonly PotentialGroupKey[];
  /** Bucket of the `period` key (default month). */
  period?: 'month' | 'quarter' | 'year';
  /** Whose site's region a saving counts in. */
  attribution: 'receiver' | 'supplier';
  /** Only rows of this region (by attribution). */
  region?: string | null;
}

export interface PotentialSavingsRow {
  period?: string;
  category?: string;
  region?: string;
  energySavedMWh: number;
  co2AvoidedTonnes: number;
  /** Distinct plan items (exchanges) contributing to the cell. */
  exchanges: number;
  /** Distinct companies on either side of those exchanges (for the reports' small-cell suppression). */
  companies: number;
}

export interface PotentialSavings {
  basis: 'potential';
  plan: { id: string; createdAt: string } | null;
  rows: PotentialSavingsRow[];
  totals: Omit<PotentialSavingsRow, 'period' | 'category' | 'region'>;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const PERIOD_SQL = {
  month: `to_char(c.month_start, 'YYYY-MM')`,
  quarter: `to_char(c.month_start, 'YYYY-"Q"Q')`,
  year: `to_char(c.month_start, 'YYYY')`,
} as const;

/**
 * The `potential` basis of GET /reports/savings: the latest allocation plan (never a sum of pairwise
 * estimates) pro-rated to the months of [from, to] — each month counts 1/12 of an item's annual CO2
 * avoided and energy saved, in the months where both of its streams are available — grouped by
 * period, category and/or the attributed region. Cells carry the distinct exchanges and companies
 * behind them; suppression for province users (fewer than 3 companies) is the report's job.
 * One set-based statement for the rows and one for the totals.
 */
export async function potentialSavings(
  db: DataSource | EntityManager,
  query: PotentialSavingsQuery,
): Promise<PotentialSavings> {
  const errors: Record<string, string> = {};
  if (!MONTH.test(query.from)) errors.from = 'must be YYYY-MM';
  if (!MONTH.test(query.to)) errors.to = 'must be YYYY-MM';
  if (!errors.from && !errors.to && query.from > query.to) errors.to = 'must not be before from';
  const period = query.period ?? 'month';
  if (!(period in PERIOD_SQL)) errors.period = 'must be month, quarter or year';
  if (query.attribution !== 'receiver' && query.attribution !== 'supplier')
    errors.attribution = 'must be receiver or supplier';
  const keys = [...new Set(query.groupBy)];
  if (keys.some((k) => k !== 'period' && k !== 'category' && k !== 'region'))
    errors.groupBy = 'must be a list of period, category, region';
  if (Object.keys(errors).length > 0) throw DomainError.validation(errors);

  const keySql: Record<PotentialGroupKey, string> = {
    period: PERIOD_SQL[period],
    category: 'c.category',
    region: 'c.region',
  };
  const [plan] = (await db.query(LATEST_PLAN)) as { id: string; created_at: Date }[];
  const zero = { energySavedMWh: 0, co2AvoidedTonnes: 0, exchanges: 0, companies: 0 };
  if (!plan) return { basis: 'potential', plan: null, rows: [], totals: zero };
  const select = keys.map((k) => `${keySql[k]} AS ${k}`);
  // Pinned to one plan id, so rows and totals agree even if a new plan is committed in between.
  const params = [`${query.from}-01`, `${query.to}-01`, query.attribution, query.region ?? null, plan.id];
  const cells = `
    WITH months AS (
      SELECT m::date AS month_start, (m + interval '1 month' - interval '1 day')::date AS month_end
      FROM generate_series($1::date, $2::date, interval '1 month') AS m
    ),
    c AS (
      SELECT months.month_start, i.match_id, i.category, i.co2_t, i.energy_mwh,
             s.company_id AS supplier_company, d.company_id AS receiver_company,
             CASE WHEN $3 = 'supplier' THEN ss.region ELSE ds.region END AS region
      FROM allocation_plan_items i
      JOIN streams s ON s.id = i.supply_stream_id JOIN sites ss ON ss.id = s.site_id
      JOIN streams d ON d.id = i.demand_stream_id JOIN sites ds ON ds.id = d.site_id
      JOIN months ON (s.available_from IS NULL OR s.available_from <= months.month_end)
                 AND (s.available_until IS NULL OR s.available_until >= months.month_start)
                 AND (d.available_from IS NULL OR d.available_from <= months.month_end)
                 AND (d.available_until IS NULL OR d.available_until >= months.month_start)
      WHERE i.plan_id = $5
    )`;
  const measures = `sum(c.energy_mwh) / 12 AS energy, sum(c.co2_t) / 12 AS co2,
    count(DISTINCT c.match_id)::int AS exchanges,
    (SELECT count(DISTINCT x) FROM unnest(array_agg(c.supplier_company) || array_agg(c.receiver_company)) AS x)::int
      AS companies`;
  const where = `WHERE ($4::text IS NULL OR c.region = $4)`;
  const grouped = keys.length
    ? `GROUP BY ${keys.map((_k, i) => i + 1).join(', ')} ORDER BY ${keys.map((_k, i) => i + 1).join(', ')}`
    : '';
  const rows = (await db.query(
    `${cells} SELECT ${[...select, measures].join(', ')} FROM c ${where} ${grouped}`,
    params,
  )) as (Record<PotentialGroupKey, string> & {
    energy: number | null;
    co2: number | null;
    exchanges: number;
    companies: number;
  })[];
  const [total] = (await db.query(`${cells} SELECT ${measures} FROM c ${where}`, params)) as {
    energy: number | null;
    co2: number | null;
    exchanges: number;
    companies: number;
  }[];
  const measure = (r: {
    energy: number | null;
    co2: number | null;
    exchanges: number;
    companies: number;
  }) => ({
    energySavedMWh: r.energy ?? 0,
    co2AvoidedTonnes: r.co2 ?? 0,
    exchanges: r.exchanges,
    companies: r.companies,
  });
  const totals = total ? measure(total) : zero;
  return {
    basis: 'potential',
    plan: { id: plan.id, createdAt: plan.created_at.toISOString() },
    // Without group keys the one row is the total.
    rows: keys.length
      ? rows.map((r) => ({ ...Object.fromEntries(keys.map((k) => [k, r[k]])), ...measure(r) }))
      : [totals],
    totals,
  };
}
