import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError } from '@symbiose/core';
import { CURRENT_FACTOR_SET, estimatePair, Explanation } from '@symbiose/engine';
import { DataSource } from 'typeorm';
import { Paginated as Page } from '../identity/page';
import { Principal } from '../identity/principal';
import { STREAM_COLUMNS, StreamRow, toMatchable } from '../matching/matching.types';

/** Statuses at which both parties have agreed to be introduced to each other. */
const REVEALED = new Set(['mutual_interest', 'approved', 'active', 'closed']);

interface MatchRow {
  id: string;
  supply_stream_id: string;
  demand_stream_id: string;
  category: string;
  status: string;
  qualifies: boolean;
  stale: boolean;
  supply_interest: string | null;
  demand_interest: string | null;
  score: number;
  exchanged_quantity: number;
  exchanged_unit: string;
  distance_km: number;
  route_km: number;
  transport_mode: string;
  energy_saved_mwh: number;
  co2_avoided_t: number;
  gross_co2_t: number;
  deducted_co2_t: number;
  flags: string[];
  explanation: Explanation | Record<string, never>;
  agreed_estimate: unknown;
  engine_version: string;
  factor_set_version: string;
  version: number;
  created_at: Date;
  updated_at: Date;
  total?: string;
}

interface SideRow {
  id: string;
  company_id: string;
  company_name: string;
  site_name: string;
  region: string;
  municipality: string;
  title: string;
  visibility: string;
  annual_quantity: number;
  canonical_unit: string;
  category: string;
  direction: string;
  latitude: number;
  longitude: number;
  contact_email: string | null;
}

export interface MatchListFilters {
  status?: string;
  streamId?: string;
  page: number;
  pageSize: number;
}

/** Two significant figures: enough to judge size, not enough to identify a plant. */
export function roundSignificant(value: number, digits = 2): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const factor = Math.pow(10, digits - 1 - magnitude);
  return Math.round(value * factor) / factor;
}

/** Distance shown to an anonymous counterpart: nearest 5 km, never 0 for a real distance. */
export function roundDistance5(km: number): number {
  return Math.max(5, Math.round(km / 5) * 5);
}

/** Read side of matches, scoped by the caller: officers see only matches of their company's streams. */
@Injectable()
export class MatchesService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async listForStream(principal: Principal, streamId: string, page: number, pageSize: number) {
    await this.assertStreamVisible(principal, streamId);
    return this.list(principal, { streamId, page, pageSize });
  }

  async list(principal: Principal, filters: MatchListFilters): Promise<Page<unknown>> {
    const params: unknown[] = [];
    const where: string[] = [`(m.qualifies OR m.status <> 'proposed')`, `m.status <> 'expired' OR m.stale`];
    if (principal.role === 'officer') {
      params.push(principal.companyId);
      where.push(`(s.company_id = $${params.length} OR d.company_id = $${params.length})`);
    }
    if (filters.streamId) {
      params.push(filters.streamId);
      where.push(`(m.supply_stream_id = $${params.length} OR m.demand_stream_id = $${params.length})`);
    }
    if (filters.status) {
      params.push(filters.status);
      where.push(`m.status = $${params.length}`);
    }
    params.push(filters.pageSize, (filters.page - 1) * filters.pageSize);
    const rows = (await this.db.query(
      `SELECT m.*, count(*) OVER () AS total FROM matches m
       JOIN streams s ON s.id = m.supply_stream_id JOIN streams d ON d.id = m.demand_stream_id
       WHERE ${where.map((w) => `(${w})`).join(' AND ')}
       ORDER BY m.score DESC, m.energy_saved_mwh DESC, m.route_km, m.supply_stream_id, m.demand_stream_id
       LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    )) as MatchRow[];
    const sides = await this.sides(rows.flatMap((r) => [r.supply_stream_id, r.demand_stream_id]));
    return {
      items: rows.map((r) => this.view(principal, r, sides, false)),
      page: filters.page,
      pageSize: filters.pageSize,
      total: rows.length ? Number(rows[0].total) : await this.count(where, params.slice(0, -2)),
    };
  }

  private async count(where: string[], params: unknown[]): Promise<number> {
    const [row] = (await this.db.query(
      `SELECT count(*) AS n FROM matches m
       JOIN streams s ON s.id = m.supply_stream_id JOIN streams d ON d.id = m.demand_stream_id
       WHERE ${where.map((w) => `(${w})`).join(' AND ')}`,
      params,
    )) as { n: string }[];
    return Number(row?.n ?? 0);
  }

  async get(principal: Principal, id: string) {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw DomainError.notFound('Match');
    const [row] = (await this.db.query(`SELECT * FROM matches WHERE id = $1`, [id])) as MatchRow[];
    if (!row) throw DomainError.notFound('Match');
    const sides = await this.sides([row.supply_stream_id, row.demand_stream_id]);
    if (principal.role === 'officer') {
      const mine = [sides.get(row.supply_stream_id), sides.get(row.demand_stream_id)].some(
        (s) => s?.company_id === principal.companyId,
      );
      if (!mine) throw DomainError.notFound('Match');
    }
    const view = this.view(principal, row, sides, true);
    const events: {
      id: string;
      action: string;
      from_status: string | null;
      to_status: string;
      note: string | null;
      actor_role: string | null;
      actor_user_id: string | null;
      created_at: Date;
    }[] = await this.db.query(`SELECT * FROM match_events WHERE match_id = $1 ORDER BY id`, [id]);
    return {
      ...view,
      explanation: await this.explanationOf(row),
      events: events.map((e) => ({
        id: Number(e.id),
        action: e.action,
        from: e.from_status,
        to: e.to_status,
        note: e.note,
        // Officers see the role that acted, never who: a name or e-mail could identify the counterpart.
        actor:
          principal.role === 'officer'
            ? { role: e.actor_role }
            : { role: e.actor_role, userId: e.actor_user_id },
        at: e.created_at.toISOString(),
      })),
    };
  }

  /**
   * The stored explanation, or, for a proposed match, the engine's explanation recomputed from the
   * streams it was computed from (the engine is deterministic and versioned).
   */
  private async explanationOf(row: MatchRow): Promise<Explanation | Record<string, unknown>> {
    if (row.explanation && 'steps' in row.explanation) return row.explanation;
    const streams = (await this.db.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
      [row.supply_stream_id, row.demand_stream_id],
    ])) as StreamRow[];
    const supply = streams.find((s) => s.id === row.supply_stream_id);
    const demand = streams.find((s) => s.id === row.demand_stream_id);
    if (!supply || !demand) return {};
    const estimate = estimatePair(toMatchable(supply), toMatchable(demand), CURRENT_FACTOR_SET);
    return estimate.ok ? estimate.explanation : { rejected: estimate.reason, detail: estimate.detail };
  }

  private async assertStreamVisible(principal: Principal, streamId: string): Promise<void> {
    if (!/^[0-9a-f-]{36}$/i.test(streamId)) throw DomainError.notFound('Stream');
    const rows: { company_id: string }[] = await this.db.query(
      `SELECT company_id FROM streams WHERE id = $1`,
      [streamId],
    );
    if (!rows[0] || (principal.role === 'officer' && rows[0].company_id !== principal.companyId)) {
      throw DomainError.notFound('Stream');
    }
  }

  private async sides(ids: string[]): Promise<Map<string, SideRow>> {
    if (ids.length === 0) return new Map();
    const rows = (await this.db.query(
      `SELECT st.id, st.company_id, c.name AS company_name, si.name AS site_name, si.region, si.municipality,
              st.title, st.visibility, st.annual_quantity, st.canonical_unit, st.category, st.direction,
              st.latitude, st.longitude,
              (SELECT u.email FROM users u WHERE u.company_id = st.company_id AND u.role = 'officer'
                 AND u.disabled_at IS NULL ORDER BY u.created_at LIMIT 1) AS contact_email
       FROM streams st JOIN sites si ON si.id = st.site_id JOIN companies c ON c.id = st.company_id
       WHERE st.id = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    )) as SideRow[];
    return new Map(rows.map((r) => [r.id, r]));
  }

  private view(principal: Principal, r: MatchRow, sides: Map<string, SideRow>, _detail: boolean) {
    const supply = sides.get(r.supply_stream_id);
    const demand = sides.get(r.demand_stream_id);
    const estimate = {
      exchangedQuantity: { amount: r.exchanged_quantity, unit: r.exchanged_unit },
      distanceKm: r.distance_km,
      routeKm: r.route_km,
      transportMode: r.transport_mode,
      energySavedMWhPerYear: r.energy_saved_mwh,
      co2AvoidedTonnesPerYear: r.co2_avoided_t,
      grossCo2TonnesPerYear: r.gross_co2_t,
      deductedCo2TonnesPerYear: r.deducted_co2_t,
    };
    const base = {
      id: r.id,
      status: r.status,
      version: r.version,
      supplyStreamId: r.supply_stream_id,
      demandStreamId: r.demand_stream_id,
      category: r.category,
      score: r.score,
      flags: r.stale ? [...r.flags, 'stale'] : r.flags,
      stale: r.stale,
      qualifies: r.qualifies,
      interest: { supply: r.supply_interest, demand: r.demand_interest },
      engineVersion: r.engine_version,
      factorSetVersion: r.factor_set_version,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    };
    if (principal.role !== 'officer') {
      return {
        ...base,
        estimate,
        agreedEstimate: r.agreed_estimate ?? null,
        supply: supply ? this.fullSide(supply) : null,
        demand: demand ? this.fullSide(demand) : null,
      };
    }
    const ownIsSupply = supply?.company_id === principal.companyId;
    const counterpart = ownIsSupply ? demand : supply;
    return {
      ...base,
      ownStreamId: ownIsSupply ? r.supply_stream_id : r.demand_stream_id,
      counterpart: counterpart ? this.counterpartView(counterpart, r) : null,
      // Before mutual interest the exact exchanged quantity or distance could reveal the counterpart.
      estimate: REVEALED.has(r.status)
        ? estimate
        : {
            ...estimate,
            exchangedQuantity: { amount: roundSignificant(r.exchanged_quantity), unit: r.exchanged_unit },
            distanceKm: roundDistance5(r.distance_km),
            routeKm: roundDistance5(r.route_km),
          },
    };
  }

  private fullSide(s: SideRow) {
    return {
      streamId: s.id,
      companyId: s.company_id,
      company: s.company_name,
      site: s.site_name,
      title: s.title,
      region: s.region,
      municipality: s.municipality,
      contactEmail: s.contact_email,
      annualQuantity: { amount: s.annual_quantity, unit: s.canonical_unit },
    };
  }

  /** What an officer sees of the other side: anonymous until mutual interest unless the listing is named. */
  private counterpartView(s: SideRow, r: MatchRow) {
    const anonymous = {
      direction: s.direction,
      category: s.category,
      region: s.region,
      municipality: s.municipality,
      distanceKm: roundDistance5(r.distance_km),
      annualQuantity: { amount: roundSignificant(s.annual_quantity), unit: s.canonical_unit },
    };
    if (REVEALED.has(r.status)) {
      return {
        ...anonymous,
        distanceKm: r.distance_km,
        annualQuantity: { amount: s.annual_quantity, unit: s.canonical_unit },
        streamId: s.id,
        company: s.company_name,
        site: s.site_name,
        title: s.title,
        contactEmail: s.contact_email,
        revealed: true,
      };
    }
    if (s.visibility === 'named') return { ...anonymous, company: s.company_name, revealed: false };
    return { ...anonymous, revealed: false };
  }
}
