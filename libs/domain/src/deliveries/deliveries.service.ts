import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError, ErrorCode, rowsOf } from '@symbiose/core';
import { Category, ENGINE_VERSION, estimateForQuantity, Explanation } from '@symbiose/engine';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { PageRequest, Paginated, pageOffset } from '../identity/page';
import { Principal } from '../identity/principal';
import { STREAM_COLUMNS, StreamRow, toMatchable } from '../matching/matching.types';
import { ReportSummaryService } from '../reports/report-summary.service';
import { REGION_TIME_ZONE } from '../streams/stream-rules';
import {
  deliveryToCanonical,
  factorSetForMonth,
  MONTHLY_PEAK_FACTOR,
  periodProblem,
  plausibleMonthlyMax,
} from './delivery-rules';

export interface DeliveryQuantityInput {
  amount: number;
  unit: string;
}

export interface RecordDeliveryInput {
  period: string;
  quantity: DeliveryQuantityInput;
  note?: string | null;
}

export interface CorrectDeliveryInput {
  quantity: DeliveryQuantityInput;
  note?: string | null;
}

export interface DeliveryView {
  id: string;
  matchId: string;
  period: string;
  /** The month's total in the category's canonical unit (heat MWh, mass t, water m3). */
  quantity: { amount: number; unit: string };
  /** As entered (heat MWh, GWh, GJ or TJ; mass t or kt; water m3). */
  enteredQuantity: { amount: number; unit: string };
  energySavedMWh: number;
  co2AvoidedTonnes: number;
  verified: boolean;
  verifiedAt: string | null;
  /** The engine's explanation of the realised savings, with the factor set in force for the month. */
  explanation: Explanation;
  engineVersion: string;
  factorSetVersion: string;
  note: string | null;
  recordedAt: string;
  recordedByRole: string;
  /** The delivery this one corrects (history), if any. */
  corrects: string | null;
  /** The correction that replaced this delivery; set = superseded, no longer counted. */
  supersededBy: string | null;
  supersededAt: string | null;
  current: boolean;
}

interface MatchRow {
  id: string;
  status: string;
  category: Category;
  exchanged_quantity: number;
  exchanged_unit: string;
  agreed_quantity: number | null;
  supply_stream_id: string;
  demand_stream_id: string;
  supply_company_id: string;
  demand_company_id: string;
  active_from: string | null;
}

interface DeliveryRow {
  id: string;
  match_id: string;
  period: string;
  entered_amount: number;
  entered_unit: string;
  quantity: number;
  quantity_unit: string;
  energy_saved_mwh: number;
  co2_avoided_t: number;
  explanation: Explanation;
  engine_version: string;
  factor_set_version: string;
  note: string | null;
  recorded_role: string;
  created_at: Date;
  verified_at: Date | null;
  corrects_id: string | null;
  superseded_by: string | null;
  superseded_at: Date | null;
  total?: string;
}

const DELIVERY_COLUMNS = `d.id, d.match_id, to_char(d.period, 'YYYY-MM') AS period, d.entered_amount, d.entered_unit,
  d.quantity, d.quantity_unit, d.energy_saved_mwh, d.co2_avoided_t, d.explanation, d.engine_version,
  d.factor_set_version, d.note, d.recorded_role, d.created_at, d.verified_at, d.corrects_id, d.superseded_by,
  d.superseded_at`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Realised deliveries of active exchanges: recorded by an officer of either side (or a coordinator),
 * one per match and month, corrected by a new row that supersedes the old one, verified by a
 * coordinator. Each write updates the reports' summary tables in the same transaction.
 */
@Injectable()
export class DeliveriesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly summaries: ReportSummaryService,
  ) {}

  async record(
    principal: Principal,
    matchId: string,
    input: RecordDeliveryInput,
    now: Date = new Date(),
  ): Promise<DeliveryView> {
    return this.db.transaction(async (m) => {
      const match = await this.lockMatch(m, principal, matchId);
      if (match.status !== 'active') {
        throw new DomainError(
          ErrorCode.IllegalTransition,
          `Deliveries are recorded on an active exchange; this match is ${match.status}`,
        );
      }
      const problem = periodProblem(input.period, now, match.active_from);
      if (problem) throw DomainError.validation({ period: problem });
      const computed = await this.compute(m, match, input.period, input.quantity);
      const id = randomUUID();
      const inserted = (await m.query(
        `INSERT INTO deliveries AS d (id, match_id, period, entered_amount, entered_unit, quantity, quantity_unit,
           energy_saved_mwh, co2_avoided_t, explanation, engine_version, factor_set_version, note, recorded_by,
           recorded_role)
         VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15)
         ON CONFLICT (match_id, period) WHERE superseded_by IS NULL DO NOTHING
         RETURNING ${DELIVERY_COLUMNS}`,
        [
          id,
          match.id,
          `${input.period}-01`,
          input.quantity.amount,
          input.quantity.unit,
          computed.quantity,
          computed.unit,
          computed.energy,
          computed.co2,
          JSON.stringify(computed.explanation),
          ENGINE_VERSION,
          computed.explanation.factorSetVersion,
          input.note ?? null,
          principal.userId,
          principal.role,
        ],
      )) as DeliveryRow[];
      if (inserted.length === 0) {
        const [existing] = (await m.query(
          `SELECT id FROM deliveries WHERE match_id = $1 AND period = $2::date AND superseded_by IS NULL`,
          [match.id, `${input.period}-01`],
        )) as { id: string }[];
        throw new DomainError(
          ErrorCode.Conflict,
          `A delivery for ${input.period} is already recorded (${existing?.id}); to change it, post a correction ` +
            `to /api/v1/deliveries/${existing?.id}/corrections`,
        );
      }
      await this.summaries.refresh(m, [match.id]);
      return this.view(inserted[0]);
    });
  }

  /** Replaces a current delivery by a corrected one; the old row stays, marked superseded. */
  async correct(
    principal: Principal,
    deliveryId: string,
    input: CorrectDeliveryInput,
  ): Promise<DeliveryView> {
    return this.db.transaction(async (m) => {
      const old = await this.lockDelivery(m, principal, deliveryId);
      if (old.superseded_by) {
        throw new DomainError(
          ErrorCode.Conflict,
          `This delivery was already corrected by ${old.superseded_by}; correct the current one instead`,
        );
      }
      const match = await this.lockMatch(m, principal, old.match_id);
      if (match.status !== 'active' && match.status !== 'closed') {
        throw new DomainError(
          ErrorCode.IllegalTransition,
          `Deliveries are corrected on an active or closed exchange; this match is ${match.status}`,
        );
      }
      const computed = await this.compute(m, match, old.period, input.quantity);
      const id = randomUUID();
      await m.query(`UPDATE deliveries SET superseded_by = $2, superseded_at = now() WHERE id = $1`, [
        old.id,
        id,
      ]);
      const [inserted] = (await m.query(
        `INSERT INTO deliveries AS d (id, match_id, period, entered_amount, entered_unit, quantity, quantity_unit,
           energy_saved_mwh, co2_avoided_t, explanation, engine_version, factor_set_version, note, recorded_by,
           recorded_role, corrects_id)
         VALUES ($1, $2, $3::date, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $16)
         RETURNING ${DELIVERY_COLUMNS}`,
        [
          id,
          match.id,
          `${old.period}-01`,
          input.quantity.amount,
          input.quantity.unit,
          computed.quantity,
          computed.unit,
          computed.energy,
          computed.co2,
          JSON.stringify(computed.explanation),
          ENGINE_VERSION,
          computed.explanation.factorSetVersion,
          input.note ?? null,
          principal.userId,
          principal.role,
          old.id,
        ],
      )) as DeliveryRow[];
      await this.summaries.refresh(m, [match.id]);
      return this.view(inserted);
    });
  }

  /** A coordinator confirms a current delivery; verifying it again changes nothing. */
  async verify(principal: Principal, deliveryId: string): Promise<DeliveryView> {
    if (principal.role !== 'coordinator' && principal.role !== 'admin') throw DomainError.forbidden();
    return this.db.transaction(async (m) => {
      const row = await this.lockDelivery(m, principal, deliveryId);
      if (row.superseded_by) {
        throw new DomainError(
          ErrorCode.Conflict,
          `This delivery was corrected by ${row.superseded_by}; verify the current one instead`,
        );
      }
      if (row.verified_at) return this.view(row);
      const [updated] = rowsOf<DeliveryRow>(
        await m.query(
          `UPDATE deliveries d SET verified_at = now(), verified_by = $2 WHERE id = $1 RETURNING ${DELIVERY_COLUMNS}`,
          [row.id, principal.userId],
        ),
      );
      await this.summaries.refresh(m, [row.match_id]);
      return this.view(updated);
    });
  }

  async get(principal: Principal, deliveryId: string): Promise<DeliveryView> {
    return this.view(await this.lockDelivery(this.db.manager, principal, deliveryId, false));
  }

  /** A match's deliveries, newest month first, corrections before what they replaced. */
  async listForMatch(
    principal: Principal,
    matchId: string,
    page: PageRequest,
  ): Promise<Paginated<DeliveryView>> {
    await this.visibleMatch(this.db.manager, principal, matchId, false);
    const rows = (await this.db.query(
      `SELECT ${DELIVERY_COLUMNS}, count(*) OVER () AS total FROM deliveries d WHERE d.match_id = $1
       ORDER BY d.period DESC, d.created_at DESC, d.id LIMIT $2 OFFSET $3`,
      [matchId, page.pageSize, pageOffset(page)],
    )) as DeliveryRow[];
    let total = rows.length ? Number(rows[0].total) : 0;
    if (rows.length === 0 && page.page > 1) {
      const [c] = (await this.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE match_id = $1`, [
        matchId,
      ])) as {
        n: number;
      }[];
      total = c.n;
    }
    return { items: rows.map((r) => this.view(r)), page: page.page, pageSize: page.pageSize, total };
  }

  /** Quantity in canonical units, the plausibility bound and the engine's realised savings. */
  private async compute(m: EntityManager, match: MatchRow, period: string, quantity: DeliveryQuantityInput) {
    const converted = deliveryToCanonical(match.category, quantity.amount, quantity.unit);
    if (!converted.ok) throw DomainError.validation({ 'quantity.unit': converted.message });
    const annual = match.agreed_quantity ?? match.exchanged_quantity;
    const max = plausibleMonthlyMax(annual);
    if (converted.amount > max) {
      const unit = converted.unit;
      throw DomainError.validation(
        {
          'quantity.amount':
            `${round(converted.amount)} ${unit} is more than this exchange can plausibly deliver in a month: at most ` +
            `${round(max)} ${unit} (${MONTHLY_PEAK_FACTOR} × the agreed ${round(annual)} ${unit}/yr ÷ 12, room for ` +
            `seasonal peaks). Check the unit (GJ vs MWh, kt vs t) and that this is one month's total.`,
        },
        'Delivered quantity is implausible for one month',
      );
    }
    const streams = (await m.query(`SELECT ${STREAM_COLUMNS} FROM streams WHERE id = ANY($1::uuid[])`, [
      [match.supply_stream_id, match.demand_stream_id],
    ])) as StreamRow[];
    const supply = streams.find((s) => s.id === match.supply_stream_id);
    const demand = streams.find((s) => s.id === match.demand_stream_id);
    if (!supply || !demand) throw DomainError.notFound('Match');
    const factors = factorSetForMonth(period);
    const estimate = estimateForQuantity(toMatchable(supply), toMatchable(demand), converted.amount, factors);
    if (!estimate.ok) {
      // Only the reason code: the engine's detail can quote the counterpart's numbers.
      throw new DomainError(
        ErrorCode.Conflict,
        `The exchange's realised savings cannot be computed from its streams as they are now (${estimate.reason}); ` +
          `ask a coordinator to review the match`,
      );
    }
    return {
      quantity: converted.amount,
      unit: converted.unit,
      energy: estimate.energySavedMWhPerYear,
      co2: estimate.co2AvoidedTonnesPerYear,
      explanation: estimate.explanation,
    };
  }

  /** The match, locked against concurrent transitions, if the caller may see it (else 404). */
  private async lockMatch(m: EntityManager, principal: Principal, matchId: string): Promise<MatchRow> {
    return this.visibleMatch(m, principal, matchId, true);
  }

  private async visibleMatch(
    m: EntityManager,
    principal: Principal,
    matchId: string,
    lock: boolean,
  ): Promise<MatchRow> {
    if (!UUID.test(matchId)) throw DomainError.notFound('Match');
    const [row] = (await m.query(
      `SELECT mt.id, mt.status, mt.category, mt.exchanged_quantity, mt.exchanged_unit,
              (mt.agreed_estimate->'exchangedQuantity'->>'amount')::float8 AS agreed_quantity,
              mt.supply_stream_id, mt.demand_stream_id, s.company_id AS supply_company_id,
              d.company_id AS demand_company_id,
              (SELECT to_char(min(e.created_at) AT TIME ZONE '${REGION_TIME_ZONE}', 'YYYY-MM') FROM match_events e
                WHERE e.match_id = mt.id AND e.to_status = 'active') AS active_from
       FROM matches mt JOIN streams s ON s.id = mt.supply_stream_id JOIN streams d ON d.id = mt.demand_stream_id
       WHERE mt.id = $1 ${lock ? 'FOR SHARE OF mt' : ''}`,
      [matchId],
    )) as MatchRow[];
    if (!row) throw DomainError.notFound('Match');
    if (
      principal.role === 'officer' &&
      principal.companyId !== row.supply_company_id &&
      principal.companyId !== row.demand_company_id
    ) {
      throw DomainError.notFound('Match');
    }
    if (principal.role === 'province') throw DomainError.forbidden();
    return row;
  }

  /** The delivery (locked for update when writing) if the caller may see its match (else 404). */
  private async lockDelivery(
    m: EntityManager,
    principal: Principal,
    deliveryId: string,
    lock = true,
  ): Promise<DeliveryRow> {
    if (!UUID.test(deliveryId)) throw DomainError.notFound('Delivery');
    const [row] = (await m.query(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries d WHERE d.id = $1 ${lock ? 'FOR UPDATE' : ''}`,
      [deliveryId],
    )) as DeliveryRow[];
    if (!row) throw DomainError.notFound('Delivery');
    try {
      await this.visibleMatch(m, principal, row.match_id, false);
    } catch (err) {
      if (err instanceof DomainError && err.code === ErrorCode.NotFound)
        throw DomainError.notFound('Delivery');
      throw err;
    }
    return row;
  }

  private view(r: DeliveryRow): DeliveryView {
    return {
      id: r.id,
      matchId: r.match_id,
      period: r.period,
      quantity: { amount: r.quantity, unit: r.quantity_unit },
      enteredQuantity: { amount: r.entered_amount, unit: r.entered_unit },
      energySavedMWh: r.energy_saved_mwh,
      co2AvoidedTonnes: r.co2_avoided_t,
      verified: r.verified_at !== null,
      verifiedAt: r.verified_at ? r.verified_at.toISOString() : null,
      explanation: r.explanation,
      engineVersion: r.engine_version,
      factorSetVersion: r.factor_set_version,
      note: r.note,
      recordedAt: r.created_at.toISOString(),
      recordedByRole: r.recorded_role,
      corrects: r.corrects_id,
      supersededBy: r.superseded_by,
      supersededAt: r.superseded_at ? r.superseded_at.toISOString() : null,
      current: r.superseded_by === null,
    };
  }
}

function round(x: number): number {
  return Number(x.toPrecision(6));
}
