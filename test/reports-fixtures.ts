/**
 * Builders for the deliveries and reports suites: exchanges (two streams and a match) inserted
 * straight into Postgres and put in a status directly, workflow events with chosen times, and
 * deliveries with chosen numbers — then the summaries are brought up to date with the service the API
 * uses (ReportSummaryService.refresh), exactly as a delivery write or a transition would.
 */
import { rowsOf } from '@symbiose/core';
import {
  deliverQueuedProposals,
  ReportSummaryService,
  scorePairOf,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
} from '@symbiose/domain';
import { DataSource } from 'typeorm';
import { upsertPairs } from '../libs/domain/src/matching/match-writer';
import { createSite, SITE_LOCATIONS, SiteLocation, TestSite } from './factories';
import { ApiHarness } from './support/api-harness';

export const LOCATION_OF_REGION: Record<string, SiteLocation> = {
  'BE-VOV': SITE_LOCATIONS.gent,
  'NL-ZE': SITE_LOCATIONS.terneuzen,
  'BE-VAN': SITE_LOCATIONS.antwerpen,
  'NL-ZH': SITE_LOCATIONS.rotterdam,
};

export async function siteIn(db: DataSource, companyId: string, region: string): Promise<TestSite> {
  return createSite(db, { companyId, ...LOCATION_OF_REGION[region] });
}

type Category = 'heat' | 'co2';

const QUALITY: Record<Category, { supply: object; demand: object; unit: string }> = {
  heat: {
    supply: { temperatureC: 95, medium: 'hot_water' },
    demand: { temperatureC: 70, medium: 'hot_water' },
    unit: 'MWh/yr',
  },
  co2: { supply: { purityPct: 99.5 }, demand: { purityPct: 95 }, unit: 't/yr' },
};

/** A stream on the site, copying the site's facts like the API does. */
export async function insertStream(
  db: DataSource,
  site: TestSite,
  direction: 'supply' | 'demand',
  category: Category,
  quantity: number,
  window: { from?: string; until?: string } = {},
): Promise<string> {
  const q = QUALITY[category];
  const [row] = (await db.query(
    `INSERT INTO streams (site_id, company_id, direction, category, title, quantity_amount, quantity_unit,
       annual_quantity, canonical_unit, quality, current_handling, current_source, status, available_from,
       available_until, latitude, longitude, country, has_quay, has_rail)
     SELECT si.id, si.company_id, $2, $3, 'Reports fixture stream', $4, $5, $4, $5, $6::jsonb,
       CASE WHEN $2 = 'supply' THEN $7 END, CASE WHEN $2 = 'demand' THEN $8 END, 'active', $9::date, $10::date,
       si.latitude, si.longitude, si.country, si.has_quay, si.has_rail
     FROM sites si WHERE si.id = $1 RETURNING id`,
    [
      site.id,
      direction,
      category,
      quantity,
      q.unit,
      JSON.stringify(direction === 'supply' ? q.supply : q.demand),
      category === 'heat' ? 'cooling_tower' : 'vented',
      category === 'heat' ? 'natural_gas_boiler' : 'gas_combustion_co2',
      window.from ?? null,
      window.until ?? null,
    ],
  )) as { id: string }[];
  return row.id;
}

export interface ExchangeSpec {
  category: Category;
  supplierSite: TestSite;
  receiverSite: TestSite;
  /** Agreed annual figures (frozen as agreed_estimate). */
  exchangedPerYear?: number;
  energyPerYear?: number;
  co2PerYear?: number;
  status?: 'approved' | 'active' | 'closed' | 'mutual_interest';
  /** Workflow events with their times (ISO), in order. */
  events?: { to: 'approved' | 'active' | 'closed'; at: string }[];
  supplyWindow?: { from?: string; until?: string };
  demandWindow?: { from?: string; until?: string };
}

export interface Exchange {
  matchId: string;
  supplyId: string;
  demandId: string;
}

/** Two streams and their match with chosen numbers (no engine), put in `status` with its events. */
export async function insertExchange(db: DataSource, spec: ExchangeSpec): Promise<Exchange> {
  const exchanged = spec.exchangedPerYear ?? 12000;
  const supplyId = await insertStream(
    db,
    spec.supplierSite,
    'supply',
    spec.category,
    exchanged,
    spec.supplyWindow,
  );
  const demandId = await insertStream(
    db,
    spec.receiverSite,
    'demand',
    spec.category,
    exchanged,
    spec.demandWindow,
  );
  const energy = spec.energyPerYear ?? 1200;
  const co2 = spec.co2PerYear ?? 240;
  const agreed = {
    exchangedQuantity: { amount: exchanged, unit: QUALITY[spec.category].unit },
    energySavedMWhPerYear: energy,
    co2AvoidedTonnesPerYear: co2,
  };
  const [match] = (await db.query(
    `INSERT INTO matches (supply_stream_id, demand_stream_id, category, status, supply_interest, demand_interest, score,
       exchanged_quantity, exchanged_unit, distance_km, route_km, transport_mode, energy_saved_mwh, co2_avoided_t,
       gross_co2_t, deducted_co2_t, explanation, agreed_estimate, engine_version, factor_set_version)
     VALUES ($1, $2, $3, $4, 'interested', 'interested', $7, $5, $6, 10, 12, 'pipeline', $8, $7, $7, 0, '{}'::jsonb,
       $9::jsonb, 'fixture', '2026.1')
     RETURNING id`,
    [
      supplyId,
      demandId,
      spec.category,
      spec.status ?? 'active',
      exchanged,
      QUALITY[spec.category].unit,
      co2,
      energy,
      JSON.stringify(agreed),
    ],
  )) as { id: string }[];
  await insertEvents(db, match.id, spec.events ?? []);
  return { matchId: match.id, supplyId, demandId };
}

const FROM_OF: Record<string, string> = { approved: 'mutual_interest', active: 'approved', closed: 'active' };
const ACTION_OF: Record<string, string> = { approved: 'approve', active: 'activate', closed: 'close' };

export async function insertEvents(
  db: DataSource,
  matchId: string,
  events: { to: 'approved' | 'active' | 'closed'; at: string }[],
): Promise<void> {
  for (const e of events) {
    await db.query(
      `INSERT INTO match_events (match_id, actor_role, action, from_status, to_status, created_at)
       VALUES ($1, 'coordinator', $2, $3, $4, $5::timestamptz)`,
      [matchId, ACTION_OF[e.to], FROM_OF[e.to], e.to, e.at],
    );
  }
}

export interface DeliverySpec {
  period: string;
  energy: number;
  co2: number;
  verified?: boolean;
  quantity?: number;
}

/** Deliveries with chosen realised numbers (the engine is not asked). Returns their ids. */
export async function insertDeliveries(
  db: DataSource,
  matchId: string,
  specs: DeliverySpec[],
): Promise<string[]> {
  const ids: string[] = [];
  for (const d of specs) {
    const [row] = (await db.query(
      `INSERT INTO deliveries (match_id, period, entered_amount, entered_unit, quantity, quantity_unit,
         energy_saved_mwh, co2_avoided_t, explanation, engine_version, factor_set_version, recorded_role, verified_at)
       VALUES ($1, $2::date, $3, 'MWh', $3, 'MWh', $4, $5, '{}'::jsonb, 'fixture', '2026.1', 'officer',
         CASE WHEN $6::bool THEN now() END)
       RETURNING id`,
      [matchId, `${d.period}-01`, d.quantity ?? 1000, d.energy, d.co2, d.verified ?? true],
    )) as { id: string }[];
    ids.push(row.id);
  }
  return ids;
}

/** Brings the summaries up to date for these matches, as the API's writers do in their transactions. */
export async function refreshSummaries(api: ApiHarness, matchIds: string[]): Promise<void> {
  const summaries = api.app.get(ReportSummaryService);
  await api.db.transaction((m) => summaries.refresh(m, matchIds));
}

/**
 * An engine-valid heat exchange (Gent → Zelzate, 11 km) stored by the matcher's own writer, then
 * put in `status`: for deliveries recorded through the API, whose savings the engine computes.
 */
export async function insertScoredHeatExchange(
  db: DataSource,
  supplierSite: TestSite,
  receiverSite: TestSite,
  status = 'active',
): Promise<Exchange & { exchangedPerYear: number }> {
  const supplyId = await insertStream(db, supplierSite, 'supply', 'heat', 24000);
  const demandId = await insertStream(db, receiverSite, 'demand', 'heat', 12000);
  const rows = (await db.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
    [supplyId, demandId],
  ])) as StreamRow[];
  const pair = scorePairOf(
    toMatchable(rows.find((r) => r.id === supplyId)!),
    toMatchable(rows.find((r) => r.id === demandId)!),
  );
  if (!pair) throw new Error('insertScoredHeatExchange: the engine rejects the pair');
  await db.transaction((m) => upsertPairs(m, [pair]));
  // As the worker does after a matching job: announce the new proposal (queued by the trigger).
  await deliverQueuedProposals(db);
  const [match] = rowsOf<{ id: string; exchanged_quantity: number }>(
    await db.query(
      `UPDATE matches SET status = $3, supply_interest = 'interested', demand_interest = 'interested'
       WHERE supply_stream_id = $1 AND demand_stream_id = $2 RETURNING id, exchanged_quantity`,
      [supplyId, demandId, status],
    ),
  );
  return { matchId: match.id, supplyId, demandId, exchangedPerYear: match.exchanged_quantity };
}
