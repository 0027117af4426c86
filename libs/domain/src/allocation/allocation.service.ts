import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError } from '@symbiose/core';
import { greatCircleKm } from '@symbiose/engine';
import { DataSource } from 'typeorm';
import { Paginated } from '../identity/page';
import { Principal } from '../identity/principal';
import { tenantScopeOf } from '../identity/tenant-scope';
import { roundDistance5, roundSignificant } from '../matches/matches.service';

/** Match statuses at which both parties have agreed to be introduced (as for GET /matches). */
const REVEALED = new Set(['mutual_interest', 'approved', 'active', 'closed']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AllocationTotalsView {
  energySavedMWhPerYear: number;
  co2AvoidedTonnesPerYear: number;
}

interface PlanRow {
  id: string;
  created_at: Date;
  requested_at: Date | null;
  engine_version: string;
  factor_set_version: string;
  status: string;
  plan_energy_mwh: number;
  plan_co2_t: number;
  greedy_energy_mwh: number;
  greedy_co2_t: number;
  naive_energy_mwh: number;
  naive_co2_t: number;
  pairs_count: number;
  items_count: number;
  supplies_count: number;
  demands_count: number;
  excluded_count: number;
  solver: Record<string, unknown>;
  total?: string;
}

interface ItemRow {
  match_id: string;
  supply_stream_id: string;
  demand_stream_id: string;
  category: string;
  unit: string;
  quantity: number;
  supply_used: number;
  co2_t: number;
  energy_mwh: number;
  match_status: string | null;
  total?: string;
}

interface StreamItemRow extends ItemRow {
  distance_km: number | null;
  other_id: string;
  other_company_id: string;
  other_company: string;
  other_site: string;
  other_region: string;
  other_municipality: string;
  other_title: string;
  other_visibility: string;
  other_quantity: number;
  other_unit: string;
  other_direction: string;
  other_category: string;
  other_latitude: number;
  other_longitude: number;
}

interface OwnStreamRow {
  id: string;
  company_id: string;
  direction: 'supply' | 'demand';
  category: string;
  title: string;
  status: string;
  annual_quantity: number;
  canonical_unit: string;
  latitude: number;
  longitude: number;
}

const totals = (energy: number, co2: number): AllocationTotalsView => ({
  energySavedMWhPerYear: energy,
  co2AvoidedTonnesPerYear: co2,
});
const ZERO = totals(0, 0);
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;
/**
 * roundSignificant (shared with GET /matches) can leave binary noise for large values
 * (500000.00000000006); printing at the same precision removes it.
 */
const sig2 = (x: number) => (Number.isFinite(x) ? Number(roundSignificant(x).toPrecision(2)) : x);

/** What the plan is computed over; see loadAllocationInput. */
export const ALLOCATION_BASIS =
  'stored qualifying matches (top K per stream; status not declined, rejected, expired or closed)';

function planView(r: PlanRow) {
  return {
    id: r.id,
    createdAt: r.created_at.toISOString(),
    requestedAt: r.requested_at?.toISOString() ?? null,
    status: r.status,
    engineVersion: r.engine_version,
    factorSetVersion: r.factor_set_version,
    basis: ALLOCATION_BASIS,
    plan: { totals: totals(r.plan_energy_mwh, r.plan_co2_t) },
    greedy: { totals: totals(r.greedy_energy_mwh, r.greedy_co2_t) },
    naive: { totals: totals(r.naive_energy_mwh, r.naive_co2_t) },
    pairs: r.pairs_count,
    excludedPairs: r.excluded_count,
    allocatedPairs: r.items_count,
    streams: { supplies: r.supplies_count, demands: r.demands_count },
    solver: r.solver,
  };
}

/**
 * Read side of the region-wide allocation plan. The whole plan and its history are for platform staff
 * (coordinators, admins); an officer may read what the plan assigns to one of their company's streams,
 * with the counterpart shown under the same confidentiality rules as matches.
 */
@Injectable()
export class AllocationService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private requirePlatform(principal: Principal): void {
    if (tenantScopeOf(principal).kind !== 'platform') throw DomainError.forbidden();
  }

  private async latestPlan(): Promise<PlanRow | undefined> {
    const [row] = (await this.db.query(
      `SELECT * FROM allocation_plans ORDER BY created_at DESC, id DESC LIMIT 1`,
    )) as PlanRow[];
    return row;
  }

  /** The latest plan with its items, largest CO2 first; an empty plan (id null) before the first solve. */
  async latest(principal: Principal, page: number, pageSize: number) {
    this.requirePlatform(principal);
    const plan = await this.latestPlan();
    if (!plan) {
      return {
        id: null,
        createdAt: null,
        requestedAt: null,
        status: 'none',
        basis: ALLOCATION_BASIS,
        plan: { totals: ZERO },
        greedy: { totals: ZERO },
        naive: { totals: ZERO },
        pairs: 0,
        excludedPairs: 0,
        allocatedPairs: 0,
        streams: { supplies: 0, demands: 0 },
        items: [],
        page,
        pageSize,
        total: 0,
      };
    }
    const rows = (await this.db.query(
      `SELECT i.*, m.status AS match_status
       FROM allocation_plan_items i LEFT JOIN matches m ON m.id = i.match_id
       WHERE i.plan_id = $1
       ORDER BY i.co2_t DESC, i.match_id
       LIMIT $2 OFFSET $3`,
      [plan.id, pageSize, (page - 1) * pageSize],
    )) as ItemRow[];
    return {
      ...planView(plan),
      items: rows.map((r) => ({
        matchId: r.match_id,
        matchStatus: r.match_status,
        supplyStreamId: r.supply_stream_id,
        demandStreamId: r.demand_stream_id,
        category: r.category,
        quantity: r.quantity,
        unit: r.unit,
        supplyUsed: r.supply_used,
        co2AvoidedTonnesPerYear: r.co2_t,
        energySavedMWhPerYear: r.energy_mwh,
      })),
      page,
      pageSize,
      total: plan.items_count,
    };
  }

  /** The kept plans (newest first) with their totals, for comparison. */
  async history(principal: Principal, page: number, pageSize: number): Promise<Paginated<unknown>> {
    this.requirePlatform(principal);
    const rows = (await this.db.query(
      `SELECT *, count(*) OVER () AS total FROM allocation_plans
       ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2`,
      [pageSize, (page - 1) * pageSize],
    )) as PlanRow[];
    let total = rows.length ? Number(rows[0].total) : 0;
    if (!rows.length && page > 1) {
      const [c] = (await this.db.query(`SELECT count(*)::int AS n FROM allocation_plans`)) as { n: number }[];
      total = c.n;
    }
    return { items: rows.map(planView), page, pageSize, total };
  }

  /**
   * What the latest plan assigns to one stream: its items and the total assigned against the
   * stream's quantity (a supply's assigned amount is the supply it gives up, losses included; a
   * demand's is what it receives). Another company's stream is a 404 for an officer.
   */
  async forStream(principal: Principal, streamId: string) {
    const scope = tenantScopeOf(principal);
    if (!UUID.test(streamId)) throw DomainError.notFound('Stream');
    const [stream] = (await this.db.query(
      `SELECT id, company_id, direction, category, title, status, annual_quantity, canonical_unit, latitude,
              longitude
       FROM streams WHERE id = $1`,
      [streamId],
    )) as OwnStreamRow[];
    if (!stream || (scope.kind === 'company' && stream.company_id !== scope.companyId)) {
      throw DomainError.notFound('Stream');
    }
    const officer = scope.kind === 'company';
    const plan = await this.latestPlan();
    const rows = plan
      ? ((await this.db.query(
          `SELECT i.*, m.status AS match_status, m.distance_km,
                  o.id AS other_id, o.company_id AS other_company_id, c.name AS other_company,
                  si.name AS other_site, si.region AS other_region, si.municipality AS other_municipality,
                  o.title AS other_title, o.visibility AS other_visibility, o.annual_quantity AS other_quantity,
                  o.canonical_unit AS other_unit, o.direction AS other_direction, o.category AS other_category,
                  o.latitude AS other_latitude, o.longitude AS other_longitude
           FROM allocation_plan_items i
           JOIN streams o ON o.id = CASE WHEN i.supply_stream_id = $2 THEN i.demand_stream_id
                                         ELSE i.supply_stream_id END
           JOIN sites si ON si.id = o.site_id
           JOIN companies c ON c.id = o.company_id
           LEFT JOIN matches m ON m.id = i.match_id
           WHERE i.plan_id = $1 AND (i.supply_stream_id = $2 OR i.demand_stream_id = $2)
           ORDER BY i.co2_t DESC, i.match_id`,
          [plan.id, streamId],
        )) as StreamItemRow[])
      : [];

    const isSupply = stream.direction === 'supply';
    let assigned = 0;
    let co2 = 0;
    let energy = 0;
    for (const r of rows) {
      assigned += isSupply ? r.supply_used : r.quantity;
      co2 += r.co2_t;
      energy += r.energy_mwh;
    }
    // An officer sees numbers resting on an unrevealed counterpart's quantity at two significant figures.
    const hidden = officer && rows.some((r) => !REVEALED.has(r.match_status ?? ''));
    const shown = (x: number) => (hidden ? sig2(x) : round6(x));
    const quantity = stream.annual_quantity;
    return {
      plan: plan ? { id: plan.id, createdAt: plan.created_at.toISOString(), status: plan.status } : null,
      stream: {
        id: stream.id,
        direction: stream.direction,
        category: stream.category,
        title: stream.title,
        status: stream.status,
        annualQuantity: { amount: quantity, unit: stream.canonical_unit },
      },
      assigned: { amount: shown(assigned), unit: stream.canonical_unit },
      share: quantity > 0 ? shown(Math.min(assigned / quantity, 1)) : 0,
      totals: totals(shown(energy), shown(co2)),
      rounded: hidden,
      items: rows.map((r) => (officer ? this.officerItem(r, stream) : this.platformItem(r, stream))),
    };
  }

  private platformItem(r: StreamItemRow, own: OwnStreamRow) {
    return {
      matchId: r.match_id,
      matchStatus: r.match_status,
      supplyStreamId: r.supply_stream_id,
      demandStreamId: r.demand_stream_id,
      category: r.category,
      quantity: { amount: r.quantity, unit: r.unit },
      supplyUsed: { amount: r.supply_used, unit: r.unit },
      co2AvoidedTonnesPerYear: r.co2_t,
      energySavedMWhPerYear: r.energy_mwh,
      counterpart: {
        streamId: r.other_id,
        companyId: r.other_company_id,
        company: r.other_company,
        site: r.other_site,
        title: r.other_title,
        direction: r.other_direction,
        category: r.other_category,
        region: r.other_region,
        municipality: r.other_municipality,
        distanceKm: this.distance(r, own),
        annualQuantity: { amount: r.other_quantity, unit: r.other_unit },
      },
    };
  }

  /** As GET /matches shows a counterpart: anonymous until mutual interest (named listings show the company). */
  private officerItem(r: StreamItemRow, own: OwnStreamRow) {
    const revealed = REVEALED.has(r.match_status ?? '');
    const value = (x: number) => (revealed ? x : sig2(x));
    const distance = this.distance(r, own);
    const anonymous = {
      direction: r.other_direction,
      category: r.other_category,
      region: r.other_region,
      municipality: r.other_municipality,
      distanceKm: roundDistance5(distance),
      annualQuantity: { amount: sig2(r.other_quantity), unit: r.other_unit },
    };
    const counterpart = revealed
      ? {
          ...anonymous,
          distanceKm: distance,
          annualQuantity: { amount: r.other_quantity, unit: r.other_unit },
          streamId: r.other_id,
          company: r.other_company,
          site: r.other_site,
          title: r.other_title,
          revealed: true,
        }
      : r.other_visibility === 'named'
        ? { ...anonymous, company: r.other_company, revealed: false }
        : { ...anonymous, revealed: false };
    return {
      matchId: r.match_id,
      matchStatus: r.match_status,
      ownStreamId: own.id,
      category: r.category,
      quantity: { amount: value(r.quantity), unit: r.unit },
      supplyUsed: { amount: value(r.supply_used), unit: r.unit },
      co2AvoidedTonnesPerYear: value(r.co2_t),
      energySavedMWhPerYear: value(r.energy_mwh),
      counterpart,
    };
  }

  private distance(r: StreamItemRow, own: OwnStreamRow): number {
    return r.distance_km ?? greatCircleKm(own.latitude, own.longitude, r.other_latitude, r.other_longitude);
  }
}
