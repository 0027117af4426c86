import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError } from '@symbiose/core';
import { CURRENT_FACTOR_SET, estimatePair, Explanation, flagsFromMask } from '@symbiose/engine';
import { DataSource } from 'typeorm';
import { Paginated as Page } from '../identity/page';
import { Principal } from '../identity/principal';
import { STREAM_COLUMNS, StreamRow, toMatchable } from '../matching/matching.types';
import { RejectionsService } from '../matching/rejections.service';
import {
  coarsenDetail,
  coarsenEstimate,
  HIDDEN_NOTE,
  redactExplanation,
  roundDistance5,
  roundSignificant,
} from './confidentiality';
import type { AgreedEstimate } from './match-workflow.service';
import { MatchSide, MatchStatus, REVEALED_STATUSES } from './match-workflow';

export { roundDistance5, roundSignificant } from './confidentiality';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Which matches are listed: those that qualify, or that a party acted on (any status but proposed);
 * of the expired ones only those kept as stale. A stored generated column (migration 1765110000000)
 * carried in both rank indexes, so a stream's page is ranked and counted from the index alone.
 */
const LISTED = 'm.listed';

/** Statuses at which both parties have agreed to be introduced to each other. */
const REVEALED: ReadonlySet<string> = REVEALED_STATUSES;

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
  /** Bit i: the engine's FLAGS[i]. */
  flag_mask: number;
  explanation: Explanation | Record<string, never>;
  agreed_estimate: AgreedEstimate | null;
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
  page: number;
  pageSize: number;
}

/** Read side of matches, scoped by the caller: officers see only matches of their company's streams. */
@Injectable()
export class MatchesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly rejections: RejectionsService,
  ) {}

  async listForStream(
    principal: Principal,
    streamId: string,
    page: number,
    pageSize: number,
    explainRejections = false,
  ) {
    const stream = await this.visibleStream(principal, streamId);
    // Every match of a stream the caller may see is one the caller may see (an officer's stream is their
    // company's, so each of its matches is theirs): the page is read off the stream's own side of the
    // pair key, without list()'s company filter.
    const own = stream.direction === 'supply' ? 'supply_stream_id' : 'demand_stream_id';
    const matches = await this.page(principal, [`m.${own} = $1`], [], [streamId], page, pageSize);
    if (!explainRejections) return matches;
    const rejections = await this.rejections.nearestRejections(streamId);
    // The candidates are other companies' streams, as anonymous as a counterpart: an officer gets the
    // engine's detail with distances to 5 km and quantities to two significant figures.
    return {
      ...matches,
      rejections:
        principal.role === 'officer'
          ? rejections.map((r) => ({ ...r, detail: coarsenDetail(r.detail) }))
          : rejections,
    };
  }

  async list(principal: Principal, filters: MatchListFilters): Promise<Page<unknown>> {
    const params: unknown[] = [];
    let scope: string[] | null = null;
    if (principal.role === 'officer') {
      params.push(principal.companyId);
      // The company's streams on each side, looked up first, each side's list leading its own index of
      // matches (the pair key, the demand rank); a match whose supply is the company's too is the supply
      // side's. A filter on the joined streams' company instead made Postgres scan every match (1.6 s at
      // 3.6 million matches); one scan for both sides (a BitmapOr) read every listed row of the company
      // from the table: 19.6 ms warm, 82 ms cold for the bench region's largest (8,246 matches), against
      // 7–11 ms this way.
      const supplies = `ARRAY(SELECT id FROM streams WHERE company_id = $1 AND direction = 'supply')`;
      const demands = `ARRAY(SELECT id FROM streams WHERE company_id = $1 AND direction = 'demand')`;
      scope = [
        `m.supply_stream_id = ANY(${supplies})`,
        `m.demand_stream_id = ANY(${demands}) AND NOT m.supply_stream_id = ANY(${supplies})`,
      ];
    }
    const where: string[] = [];
    if (filters.status) {
      params.push(filters.status);
      where.push(`m.status = $${params.length}`);
    }
    return this.page(principal, scope, where, params, filters.page, filters.pageSize);
  }

  /**
   * One page of the matches that are listed (see LISTED) and meet `where`, best first, with the total.
   * A scoped list (`scope`: a stream's, a company's) is the union of the matches meeting each of the
   * scope's conditions, which must not overlap (each leads an index: the pair key, the demand rank). It
   * ranks and counts its rows by their keys alone, in one pass (a window over the rows it sorts
   * anyway), from the index when `where` is empty (see LISTED); then only the page's rows are read in
   * full (a stream's list read every row of the stream before: 2,868 for the largest demand of the
   * bench region). Staff's list of every match (`scope` null) sorts only a page's worth (a top-N sort)
   * and counts apart: at 3.6 million matches 0.42 s, where the window sorted every row to count them (2.7 s).
   */
  private async page(
    principal: Principal,
    scope: string[] | null,
    where: string[],
    params: unknown[],
    page: number,
    pageSize: number,
  ): Promise<Page<unknown>> {
    const all = (conditions: string[]) => conditions.map((w) => `(${w})`).join(' AND ');
    const order = (t: string) =>
      `ORDER BY ${t}.score DESC, ${t}.energy_saved_mwh DESC, ${t}.route_km, ${t}.supply_stream_id, ${t}.demand_stream_id`;
    const limit = `LIMIT $${params.length + 1} OFFSET $${params.length + 2}`;
    // The listed rows' keys and rank columns (staff's list: one branch, every match).
    const listed = (scope ?? ['true'])
      .map(
        (branch) =>
          `SELECT m.supply_stream_id, m.demand_stream_id, m.score, m.energy_saved_mwh, m.route_km
           FROM matches m WHERE ${all([LISTED, branch, ...where])}`,
      )
      .join(' UNION ALL ');
    const rows = (await this.db.query(
      scope
        ? `SELECT m.*, p.total
           FROM (SELECT k.supply_stream_id, k.demand_stream_id, count(*) OVER () AS total
                 FROM (${listed}) k ${order('k')} ${limit}) p
           JOIN matches m ON m.supply_stream_id = p.supply_stream_id AND m.demand_stream_id = p.demand_stream_id
           ${order('m')}`
        : `SELECT p.*, c.total
           FROM (SELECT m.* FROM matches m WHERE ${all([LISTED, ...where])} ${order('m')} ${limit}) p
           CROSS JOIN (SELECT count(*) AS total FROM (${listed}) k) c
           ${order('p')}`,
      [...params, pageSize, (page - 1) * pageSize],
    )) as MatchRow[];
    const sides = await this.sides(rows.flatMap((r) => [r.supply_stream_id, r.demand_stream_id]));
    return {
      items: rows.map((r) => this.view(principal, r, sides, false)),
      page,
      pageSize,
      // Past the last page: counted apart.
      total: rows.length ? Number(rows[0].total) : await this.count(listed, params),
    };
  }

  /** The rows of `source` (SQL of a set of rows), counted. */
  private async count(source: string, params: unknown[]): Promise<number> {
    const [row] = (await this.db.query(`SELECT count(*) AS n FROM (${source}) k`, params)) as { n: string }[];
    return Number(row?.n ?? 0);
  }

  async get(principal: Principal, id: string) {
    if (!UUID.test(id)) throw DomainError.notFound('Match');
    const [row] = (await this.db.query(`SELECT * FROM matches WHERE id = $1`, [id])) as MatchRow[];
    if (!row) throw DomainError.notFound('Match');
    const sides = await this.sides([row.supply_stream_id, row.demand_stream_id]);
    const own = this.ownSide(principal, row, sides);
    if (principal.role === 'officer' && !own) throw DomainError.notFound('Match');
    const view = this.view(principal, row, sides, true);
    const events: {
      id: string;
      action: string;
      from_status: string | null;
      to_status: string;
      note: string | null;
      actor_role: string | null;
      actor_side: MatchSide | null;
      actor_user_id: string | null;
      created_at: Date;
    }[] = await this.db.query(`SELECT * FROM match_events WHERE match_id = $1 ORDER BY id`, [id]);
    const revealed = REVEALED.has(row.status);
    let explanation = await this.explanationOf(row);
    if (own && !revealed) explanation = this.redactedExplanation(explanation, own);
    return {
      ...view,
      explanation,
      events: events.map((e) => {
        // Before mutual interest the other side's notes stay hidden: free text could name its company.
        const hideNote = own !== null && !revealed && e.actor_side !== null && e.actor_side !== own;
        return {
          id: Number(e.id),
          action: e.action,
          from: e.from_status,
          to: e.to_status,
          note: hideNote ? null : e.note,
          ...(hideNote && e.note !== null ? { noteHidden: HIDDEN_NOTE } : {}),
          // Officers see the role (and side) that acted, never who: a name or e-mail identifies a company.
          actor:
            principal.role === 'officer'
              ? { role: e.actor_role, side: e.actor_side }
              : { role: e.actor_role, side: e.actor_side, userId: e.actor_user_id },
          at: e.created_at.toISOString(),
        };
      }),
    };
  }

  /**
   * The engine's explanation of the current estimate, recomputed from the streams (the engine is
   * deterministic and versioned; the matcher stores numbers only). A stored explanation wins if present.
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

  /** An officer's explanation before mutual interest (see redactExplanation). */
  private redactedExplanation(
    explanation: Explanation | Record<string, unknown>,
    own: MatchSide,
  ): Explanation | Record<string, unknown> {
    // A rejection's detail quotes exact distances and quantities: only the reason code is shown.
    if ('rejected' in explanation) return { rejected: explanation.rejected };
    return redactExplanation(explanation as Explanation, own === 'supply' ? 'demand' : 'supply');
  }

  /** The officer's side of the match (null for staff, or an officer of neither side). */
  private ownSide(principal: Principal, r: MatchRow, sides: Map<string, SideRow>): MatchSide | null {
    if (principal.role !== 'officer' || !principal.companyId) return null;
    if (sides.get(r.supply_stream_id)?.company_id === principal.companyId) return 'supply';
    if (sides.get(r.demand_stream_id)?.company_id === principal.companyId) return 'demand';
    return null;
  }

  /** The stream, if the caller may see it (an officer: their company's); otherwise a 404. */
  private async visibleStream(principal: Principal, streamId: string): Promise<{ direction: string }> {
    if (!UUID.test(streamId)) throw DomainError.notFound('Stream');
    const rows: { company_id: string; direction: string }[] = await this.db.query(
      `SELECT company_id, direction FROM streams WHERE id = $1`,
      [streamId],
    );
    if (!rows[0] || (principal.role === 'officer' && rows[0].company_id !== principal.companyId)) {
      throw DomainError.notFound('Stream');
    }
    return rows[0];
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
      status: r.status as MatchStatus,
      version: r.version,
      supplyStreamId: r.supply_stream_id,
      demandStreamId: r.demand_stream_id,
      category: r.category,
      score: r.score,
      flags: r.stale ? [...flagsFromMask(r.flag_mask), 'stale'] : flagsFromMask(r.flag_mask),
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
        // The fresh estimate (the matcher keeps it current) beside the one the parties agreed on.
        estimate,
        agreedEstimate: r.agreed_estimate ?? null,
        supply: supply ? this.fullSide(supply) : null,
        demand: demand ? this.fullSide(demand) : null,
      };
    }
    const ownIsSupply = supply?.company_id === principal.companyId;
    const counterpart = ownIsSupply ? demand : supply;
    const counterpartSide: MatchSide = ownIsSupply ? 'demand' : 'supply';
    if (REVEALED.has(r.status)) {
      return {
        ...base,
        ownSide: ownIsSupply ? 'supply' : 'demand',
        ownStreamId: ownIsSupply ? r.supply_stream_id : r.demand_stream_id,
        counterpart: counterpart ? this.counterpartView(counterpart, r) : null,
        estimate,
        agreedEstimate: r.agreed_estimate ?? null,
      };
    }
    // Before mutual interest exact numbers could reveal the counterpart's quantity or location.
    const agreed = r.agreed_estimate;
    return {
      ...base,
      // A stable id of the counterpart's stream would let an officer link anonymous matches (and
      // triangulate the site from several rounded distances): hidden until mutual interest.
      supplyStreamId: ownIsSupply ? r.supply_stream_id : null,
      demandStreamId: ownIsSupply ? null : r.demand_stream_id,
      score: roundSignificant(r.score),
      ownSide: ownIsSupply ? 'supply' : 'demand',
      ownStreamId: ownIsSupply ? r.supply_stream_id : r.demand_stream_id,
      counterpart: counterpart ? this.counterpartView(counterpart, r) : null,
      estimate: coarsenEstimate(estimate),
      agreedEstimate: agreed
        ? {
            ...coarsenEstimate(agreed),
            score: roundSignificant(agreed.score),
            explanation: redactExplanation(agreed.explanation, counterpartSide),
            streamVersions: undefined,
          }
        : null,
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
