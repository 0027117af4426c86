import { REGION_TIME_ZONE } from '../streams/stream-rules';

/**
 * SQL shared by the incremental maintenance (a few matches, in the writer's transaction) and the
 * check job's rebuild (every match): both derive the summaries from raw rows with exactly these
 * statements, so the rebuild can only disagree with the incremental tables when something went wrong.
 *
 * A match's contributions ("match months"), per basis:
 * - `realised` / `unverified`: its current (not superseded) deliveries, verified or not, one per month,
 *   with the realised savings stored on the delivery;
 * - `approved`: the agreed annual estimate (the frozen `agreed_estimate`, else the match's estimate)
 *   pro-rated over the days it ran, from its approval to its closing (in the region's calendar):
 *   a month counts annual / 12 × days run / days in the month. A match not yet closed runs through the
 *   end of `report_state.approved_through` (the current month, advanced by the daily check job).
 * Amounts are numeric, so sums are exact and incremental sums equal rebuilt ones.
 */

/** The member's previous month in its chain when there is none: every month compares after it. */
export const NO_PREVIOUS_MONTH = '-infinity';

/** Match statuses that count on the approved basis (once approved, until closed). */
export const APPROVED_STATUSES = ['approved', 'active', 'closed'] as const;

/** `where` receives a column of match ids and returns a predicate on it. */
export type MatchFilter = (column: string) => string;

export const ALL_MATCHES: MatchFilter = (column) => `${column} IS NOT NULL`;
export const MATCHES_IN_PARAM =
  (param: string): MatchFilter =>
  (column) =>
    `${column} = ANY(${param}::uuid[])`;

/** (match_id, basis, month, energy_mwh, co2_t, prev_month) for the filtered matches. */
export function matchMonthsSql(where: MatchFilter): string {
  return `
    SELECT x.match_id, x.basis, x.month, x.energy_mwh, x.co2_t,
           COALESCE(lag(x.month) OVER (PARTITION BY x.match_id, x.basis ORDER BY x.month),
                    '${NO_PREVIOUS_MONTH}'::date) AS prev_month
    FROM (
      SELECT d.match_id, CASE WHEN d.verified_at IS NULL THEN 'unverified' ELSE 'realised' END AS basis,
             d.period AS month, d.energy_saved_mwh::numeric AS energy_mwh, d.co2_avoided_t::numeric AS co2_t
      FROM deliveries d
      WHERE d.superseded_by IS NULL AND ${where('d.match_id')}
      UNION ALL
      SELECT m.id, 'approved', g.month::date,
             a.energy * cov.days / (12 * cov.month_days), a.co2 * cov.days / (12 * cov.month_days)
      FROM matches m
      JOIN LATERAL (
        SELECT min(e.created_at) FILTER (WHERE e.to_status = 'approved') AS approved_at,
               min(e.created_at) FILTER (WHERE e.to_status = 'closed') AS closed_at
        FROM match_events e WHERE e.match_id = m.id
      ) ev ON ev.approved_at IS NOT NULL
      CROSS JOIN LATERAL (
        SELECT (ev.approved_at AT TIME ZONE '${REGION_TIME_ZONE}')::date AS start_d,
               COALESCE((ev.closed_at AT TIME ZONE '${REGION_TIME_ZONE}')::date,
                        ((SELECT approved_through FROM report_state) + interval '1 month')::date) AS end_d,
               COALESCE((m.agreed_estimate->>'energySavedMWhPerYear')::numeric, m.energy_saved_mwh::numeric) AS energy,
               COALESCE((m.agreed_estimate->>'co2AvoidedTonnesPerYear')::numeric, m.co2_avoided_t::numeric) AS co2
      ) a
      CROSS JOIN LATERAL generate_series(date_trunc('month', a.start_d::timestamp),
                                         date_trunc('month', (a.end_d - 1)::timestamp), interval '1 month') AS g(month)
      CROSS JOIN LATERAL (
        SELECT least(a.end_d, (g.month + interval '1 month')::date) - greatest(a.start_d, g.month::date) AS days,
               (g.month + interval '1 month')::date - g.month::date AS month_days
      ) cov
      WHERE m.status IN (${APPROVED_STATUSES.map((s) => `'${s}'`).join(', ')}) AND ${where('m.id')} AND cov.days > 0
    ) x`;
}

/** (match_id, category, supplier/receiver company and region) from the match's streams and their sites. */
export function matchDimsSql(where: MatchFilter): string {
  return `
    SELECT m.id AS match_id, m.category, s.company_id AS supplier_company_id, d.company_id AS receiver_company_id,
           ss.region AS supplier_region, ds.region AS receiver_region
    FROM matches m
    JOIN streams s ON s.id = m.supply_stream_id JOIN sites ss ON ss.id = s.site_id
    JOIN streams d ON d.id = m.demand_stream_id JOIN sites ds ON ds.id = d.site_id
    WHERE ${where('m.id')}`;
}

/**
 * The seven scopes a match counts in, for a row alias with category, supplier_region and
 * receiver_region: the pair cell (what province suppression judges), each side's region
 * (receiver- or supplier-attributed rows), all regions, each with and without the category.
 */
export function scopesLateral(alias: string): string {
  const c = `${alias}.category`;
  const s = `${alias}.supplier_region`;
  const r = `${alias}.receiver_region`;
  return `CROSS JOIN LATERAL (VALUES (${c}, ${s}, ${r}), (${c}, '*', ${r}), (${c}, ${s}, '*'), (${c}, '*', '*'),
    ('*', '*', ${r}), ('*', ${s}, '*'), ('*'::text, '*'::text, '*'::text)) AS sc(category, supplier_region, receiver_region)`;
}

/** Both companies of a match (once if a company were on both sides). */
export function companiesLateral(alias: string): string {
  return `CROSS JOIN LATERAL (SELECT DISTINCT u.company_id
    FROM unnest(ARRAY[${alias}.supplier_company_id, ${alias}.receiver_company_id]) AS u(company_id)) AS co`;
}

/** Key columns of report_cells (in primary-key order) and report_company_months. */
export const CELL_KEY = [
  'basis',
  'supplier_region',
  'receiver_region',
  'category',
  'month',
  'kind',
  'prev_month',
];
export const COMPANY_MONTH_KEY = [
  'basis',
  'category',
  'supplier_region',
  'receiver_region',
  'company_id',
  'month',
];
export const CHAIN_KEY = ['basis', 'category', 'supplier_region', 'receiver_region', 'company_id'];
