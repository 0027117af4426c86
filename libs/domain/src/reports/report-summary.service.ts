import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { currentRegionMonth } from './report-periods';
import {
  ALL_MATCHES,
  CELL_KEY,
  CHAIN_KEY,
  companiesLateral,
  COMPANY_MONTH_KEY,
  matchDimsSql,
  matchMonthsSql,
  MATCHES_IN_PARAM,
  NO_PREVIOUS_MONTH,
  scopesLateral,
} from './report-summary.sql';

/** Every writer of the summary tables takes this transaction-level advisory lock (they share chains). */
export const REPORTS_LOCK_ID = 7_356_110_200;

/** Matches refreshed per statement when many change at once (horizon advance). */
const REFRESH_CHUNK = 2000;

interface CompanyDelta {
  basis: string;
  category: string;
  supplier_region: string;
  receiver_region: string;
  company_id: string;
  month: string;
  d: number;
}

/** What the check found, per summary table: rows only in the live table, rows only in the rebuild. */
export interface SummaryDrift {
  [table: string]: { unexpected: number; missing: number };
}

export interface SummaryCheckResult {
  checkId: string;
  status: 'ok' | 'drift';
  drift: SummaryDrift;
  repaired: boolean;
  /** A few differing report_cells keys, for the log. */
  sample: Record<string, unknown>[];
}

const TABLES: { live: string; expected: string; key: string[]; values: string[] }[] = [
  {
    live: 'report_match_dims',
    expected: 'exp_dims',
    key: ['match_id'],
    values: ['category', 'supplier_company_id', 'receiver_company_id', 'supplier_region', 'receiver_region'],
  },
  {
    live: 'report_match_months',
    expected: 'exp_mm',
    key: ['match_id', 'basis', 'month'],
    values: ['prev_month', 'energy_mwh', 'co2_t'],
  },
  {
    live: 'report_company_months',
    expected: 'exp_cm',
    key: COMPANY_MONTH_KEY,
    values: ['refs', 'prev_month'],
  },
  { live: 'report_cells', expected: 'exp_cells', key: CELL_KEY, values: ['n', 'energy_mwh', 'co2_t'] },
];

/**
 * Maintains the reports' summary tables (see migrations/1764800000000-deliveries-reports.ts).
 *
 * `refresh(manager, matchIds)` re-derives the given matches' contributions from raw rows inside the
 * caller's transaction and applies the difference to the summaries: deliveries call it after each
 * write, match transitions through the MatchTransitionHooks, site region changes through the
 * SiteChangeHooks. `check()` rebuilds every summary from raw rows with the same SQL, records what
 * differs in report_summary_checks (and repairs it). `ensureHorizon()` extends running matches of the
 * approved basis into a new month.
 */
@Injectable()
export class ReportSummaryService {
  private readonly logger = new Logger(ReportSummaryService.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Re-derives these matches' contributions and applies the change, in the caller's transaction. */
  async refresh(manager: EntityManager, matchIds: readonly string[]): Promise<void> {
    const ids = [...new Set(matchIds)];
    if (ids.length === 0) return;
    await this.lock(manager);
    for (let i = 0; i < ids.length; i += REFRESH_CHUNK)
      await this.refreshLocked(manager, ids.slice(i, i + REFRESH_CHUNK));
  }

  /**
   * The reports lock, and no JIT for the rest of the transaction: these statements touch a few rows,
   * but the planner's estimates for set-returning functions can tip them over jit_above_cost, and
   * compiling costs far more than running them.
   */
  private async lock(m: EntityManager): Promise<void> {
    await m.query('SELECT pg_advisory_xact_lock($1)', [REPORTS_LOCK_ID]);
    await m.query('SET LOCAL jit = off');
  }

  private async refreshLocked(m: EntityManager, ids: string[]): Promise<void> {
    const inIds = MATCHES_IN_PARAM('$1');
    // Old contributions (as stored, with the dims they were counted under) with sign -1, new with +1.
    const signed = `
      new_mm AS MATERIALIZED (${matchMonthsSql(inIds)}),
      new_dims AS MATERIALIZED (${matchDimsSql(inIds)}),
      signed AS (
        SELECT n.match_id, n.basis, n.month, n.prev_month, n.energy_mwh, n.co2_t, 1 AS sign,
               nd.category, nd.supplier_region, nd.receiver_region, nd.supplier_company_id, nd.receiver_company_id
        FROM new_mm n JOIN new_dims nd ON nd.match_id = n.match_id
        UNION ALL
        SELECT o.match_id, o.basis, o.month, o.prev_month, o.energy_mwh, o.co2_t, -1 AS sign,
               od.category, od.supplier_region, od.receiver_region, od.supplier_company_id, od.receiver_company_id
        FROM report_match_months o JOIN report_match_dims od ON od.match_id = o.match_id
        WHERE o.match_id = ANY($1::uuid[])
      )`;

    // 1. Exchange cells: sums and per-(month, previous month) counts in the seven scopes.
    await m.query(
      `WITH ${signed},
       delta AS (
         SELECT s.basis, sc.supplier_region, sc.receiver_region, sc.category, s.month, s.prev_month,
                sum(s.sign)::int AS n, sum(s.sign * s.energy_mwh) AS energy_mwh, sum(s.sign * s.co2_t) AS co2_t
         FROM signed s ${scopesLateral('s')}
         GROUP BY 1, 2, 3, 4, 5, 6
         HAVING sum(s.sign) <> 0 OR sum(s.sign * s.energy_mwh) <> 0 OR sum(s.sign * s.co2_t) <> 0
       )
       INSERT INTO report_cells AS c (${CELL_KEY.join(', ')}, n, energy_mwh, co2_t)
       SELECT basis, supplier_region, receiver_region, category, month, 'match', prev_month, n, energy_mwh, co2_t
       FROM delta
       ON CONFLICT (${CELL_KEY.join(', ')}) DO UPDATE
         SET n = c.n + EXCLUDED.n, energy_mwh = c.energy_mwh + EXCLUDED.energy_mwh, co2_t = c.co2_t + EXCLUDED.co2_t`,
      [ids],
    );

    // 2. Company memberships whose reference count changes (a month gained or lost, dims moved).
    const deltas = (await m.query(
      `WITH ${signed}
       SELECT s.basis, sc.category, sc.supplier_region, sc.receiver_region, co.company_id,
              to_char(s.month, 'YYYY-MM-DD') AS month, sum(s.sign)::int AS d
       FROM signed s ${scopesLateral('s')} ${companiesLateral('s')}
       GROUP BY 1, 2, 3, 4, 5, 6
       HAVING sum(s.sign) <> 0`,
      [ids],
    )) as CompanyDelta[];
    if (deltas.length > 0) await this.applyCompanyDeltas(m, deltas);

    // 3. The matches' stored contributions and dims become the new ones.
    await m.query(`DELETE FROM report_match_months WHERE match_id = ANY($1::uuid[])`, [ids]);
    await m.query(
      `INSERT INTO report_match_months (match_id, basis, month, prev_month, energy_mwh, co2_t)
       SELECT match_id, basis, month, prev_month, energy_mwh, co2_t FROM (${matchMonthsSql(inIds)}) mm`,
      [ids],
    );
    await m.query(`DELETE FROM report_match_dims WHERE match_id = ANY($1::uuid[])`, [ids]);
    await m.query(
      `INSERT INTO report_match_dims (match_id, category, supplier_company_id, receiver_company_id, supplier_region,
         receiver_region)
       SELECT d.match_id, d.category, d.supplier_company_id, d.receiver_company_id, d.supplier_region, d.receiver_region
       FROM (${matchDimsSql(inIds)}) d
       WHERE EXISTS (SELECT 1 FROM report_match_months mm WHERE mm.match_id = d.match_id)`,
      [ids],
    );
    await m.query(`DELETE FROM report_cells WHERE n = 0`);
  }

  /**
   * Applies reference-count changes to company memberships, then re-links the affected chains (a
   * company's months in one scope): their counts leave the company cells under the old previous
   * months and come back under the new ones.
   */
  private async applyCompanyDeltas(m: EntityManager, deltas: CompanyDelta[]): Promise<void> {
    const cols = (k: keyof CompanyDelta) => deltas.map((d) => d[k]);
    const chainParams = [
      cols('basis'),
      cols('category'),
      cols('supplier_region'),
      cols('receiver_region'),
      cols('company_id'),
    ];
    const chains = `chains AS (
      SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[])
        AS t(${CHAIN_KEY.join(', ')}))`;
    const chainRows = `report_company_months cm JOIN chains USING (${CHAIN_KEY.join(', ')})`;
    const firsts = `SELECT cm.basis, cm.supplier_region, cm.receiver_region, cm.category, cm.month, cm.prev_month,
                           count(*)::int AS n
                    FROM ${chainRows} GROUP BY 1, 2, 3, 4, 5, 6`;
    await m.query(
      `WITH ${chains}, old AS (${firsts})
       UPDATE report_cells c SET n = c.n - old.n FROM old
       WHERE c.basis = old.basis AND c.supplier_region = old.supplier_region AND c.receiver_region = old.receiver_region
         AND c.category = old.category AND c.month = old.month AND c.kind = 'company' AND c.prev_month = old.prev_month`,
      chainParams,
    );
    await m.query(
      `INSERT INTO report_company_months AS cm (${COMPANY_MONTH_KEY.join(', ')}, refs, prev_month)
       SELECT t.*, '${NO_PREVIOUS_MONTH}'::date
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::date[], $7::int[])
         AS t(${COMPANY_MONTH_KEY.join(', ')}, refs)
       ON CONFLICT (${COMPANY_MONTH_KEY.join(', ')}) DO UPDATE SET refs = cm.refs + EXCLUDED.refs`,
      [...chainParams, cols('month'), cols('d')],
    );
    await m.query(`DELETE FROM report_company_months WHERE refs = 0`);
    await m.query(
      `WITH ${chains},
       fresh AS (
         SELECT cm.basis, cm.category, cm.supplier_region, cm.receiver_region, cm.company_id, cm.month,
                COALESCE(lag(cm.month) OVER (PARTITION BY ${CHAIN_KEY.map((k) => `cm.${k}`).join(', ')} ORDER BY cm.month),
                         '${NO_PREVIOUS_MONTH}'::date) AS prev_month
         FROM ${chainRows}
       )
       UPDATE report_company_months cm SET prev_month = f.prev_month FROM fresh f
       WHERE ${COMPANY_MONTH_KEY.map((k) => `cm.${k} = f.${k}`).join(' AND ')} AND cm.prev_month <> f.prev_month`,
      chainParams,
    );
    await m.query(
      `WITH ${chains}, fresh AS (${firsts})
       INSERT INTO report_cells AS c (${CELL_KEY.join(', ')}, n)
       SELECT basis, supplier_region, receiver_region, category, month, 'company', prev_month, n FROM fresh
       ON CONFLICT (${CELL_KEY.join(', ')}) DO UPDATE SET n = c.n + EXCLUDED.n`,
      chainParams,
    );
  }

  /**
   * Running matches of the approved basis count through the end of `approved_through`; when the
   * region's calendar enters a new month, advance it and extend every running match (idempotent).
   * Returns whether it advanced.
   */
  async ensureHorizon(now: Date = new Date()): Promise<boolean> {
    const month = currentRegionMonth(now);
    if ((await this.horizon(this.db)) >= month) return false;
    return this.db.transaction(async (m) => {
      await this.lock(m);
      if ((await this.horizon(m)) >= month) return false;
      await m.query(`UPDATE report_state SET approved_through = $1::date`, [`${month}-01`]);
      const open = (await m.query(
        `SELECT m.id FROM matches m
         WHERE m.status IN ('approved', 'active')
           AND EXISTS (SELECT 1 FROM match_events e WHERE e.match_id = m.id AND e.to_status = 'approved')
           AND NOT EXISTS (SELECT 1 FROM match_events e WHERE e.match_id = m.id AND e.to_status = 'closed')`,
      )) as { id: string }[];
      for (let i = 0; i < open.length; i += REFRESH_CHUNK) {
        await this.refreshLocked(
          m,
          open.slice(i, i + REFRESH_CHUNK).map((r) => r.id),
        );
      }
      this.logger.log(`approved basis extended to ${month} for ${open.length} running matches`);
      return true;
    });
  }

  private async horizon(db: DataSource | EntityManager): Promise<string> {
    const [row] = (await db.query(
      `SELECT to_char(approved_through, 'YYYY-MM') AS through FROM report_state`,
    )) as {
      through: string;
    }[];
    return row?.through ?? '0000-01';
  }

  /** Creates a queued check row (for a requested check) and returns its id. */
  async requestCheck(requestedBy: string | null, repair = true): Promise<string> {
    const [row] = (await this.db.query(
      `INSERT INTO report_summary_checks (trigger, requested_by, status, repair) VALUES ('request', $1, 'queued', $2)
       RETURNING id::text AS id`,
      [requestedBy, repair],
    )) as { id: string }[];
    return row.id;
  }

  async failCheck(id: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE report_summary_checks SET status = 'failed', error = $2, finished_at = now() WHERE id = $1::bigint`,
      [id, error],
    );
  }

  async getCheck(id: string): Promise<Record<string, unknown> | null> {
    if (!/^[0-9]{1,18}$/.test(id)) return null;
    const [row] = (await this.db.query(
      `SELECT id::text AS id, trigger, status, repair, repaired, drift, error, started_at, finished_at
       FROM report_summary_checks WHERE id = $1::bigint`,
      [id],
    )) as {
      id: string;
      trigger: string;
      status: string;
      repair: boolean;
      repaired: boolean;
      drift: unknown;
      error: string | null;
      started_at: Date;
      finished_at: Date | null;
    }[];
    if (!row) return null;
    return {
      id: row.id,
      trigger: row.trigger,
      status: row.status,
      repair: row.repair,
      repaired: row.repaired,
      drift: row.drift,
      error: row.error,
      startedAt: row.started_at.toISOString(),
      finishedAt: row.finished_at ? row.finished_at.toISOString() : null,
    };
  }

  /**
   * Rebuilds every summary table from raw rows (deliveries, matches, match events, streams, sites)
   * into temporary tables, compares them with the live ones and, with `repair`, makes the live ones
   * equal to the rebuild. Records the outcome in report_summary_checks. Holds the reports lock for the
   * whole run, so writers wait rather than race the comparison.
   */
  async check(options: { checkId?: string; repair?: boolean; now?: Date } = {}): Promise<SummaryCheckResult> {
    await this.ensureHorizon(options.now);
    const checkId =
      options.checkId ??
      (
        (await this.db.query(
          `INSERT INTO report_summary_checks (trigger, status, repair) VALUES ('schedule', 'running', $1)
           RETURNING id::text AS id`,
          [options.repair ?? true],
        )) as { id: string }[]
      )[0].id;
    await this.db.query(
      `UPDATE report_summary_checks SET status = 'running', started_at = now() WHERE id = $1::bigint`,
      [checkId],
    );
    try {
      const [{ repair }] = (await this.db.query(
        `SELECT repair FROM report_summary_checks WHERE id = $1::bigint`,
        [checkId],
      )) as { repair: boolean }[];
      const result = await this.db.transaction(async (m) => {
        // A background rebuild from every delivery: at 5 million deliveries its repair inserts millions
        // of rows in one statement, longer than the 60 s that bound API requests on a 2-core machine.
        await m.query(`SET LOCAL statement_timeout = '15min'`);
        await this.lock(m);
        await this.buildExpected(m);
        const drift: SummaryDrift = {};
        for (const t of TABLES) drift[t.live] = await this.compare(m, t);
        const sample = (await m.query(
          `SELECT * FROM (
             (SELECT 'unexpected' AS side, ${CELL_KEY.join(', ')}, n, energy_mwh, co2_t FROM report_cells
              EXCEPT SELECT 'unexpected', ${CELL_KEY.join(', ')}, n, energy_mwh, co2_t FROM exp_cells)
             UNION ALL
             (SELECT 'missing', ${CELL_KEY.join(', ')}, n, energy_mwh, co2_t FROM exp_cells
              EXCEPT SELECT 'missing', ${CELL_KEY.join(', ')}, n, energy_mwh, co2_t FROM report_cells)
           ) x LIMIT 10`,
        )) as Record<string, unknown>[];
        const drifted = Object.values(drift).some((d) => d.unexpected + d.missing > 0);
        if (drifted && repair) for (const t of TABLES) await this.repair(m, t);
        return { drift, drifted, sample, repaired: drifted && repair };
      });
      const status = result.drifted ? 'drift' : 'ok';
      await this.db.query(
        `UPDATE report_summary_checks SET status = $2, drift = $3::jsonb, repaired = $4, finished_at = now()
         WHERE id = $1::bigint`,
        [checkId, status, JSON.stringify({ tables: result.drift, sample: result.sample }), result.repaired],
      );
      if (result.drifted) {
        this.logger.warn(
          `report summaries drifted from raw rows (check ${checkId}${result.repaired ? ', repaired' : ''}): ` +
            JSON.stringify(result.drift),
        );
      } else {
        this.logger.log(`report summaries match raw rows (check ${checkId})`);
      }
      return { checkId, status, drift: result.drift, repaired: result.repaired, sample: result.sample };
    } catch (err) {
      await this.db
        .query(
          `UPDATE report_summary_checks SET status = 'failed', error = $2, finished_at = now() WHERE id = $1::bigint`,
          [checkId, (err as Error).message.slice(0, 1000)],
        )
        .catch(() => undefined);
      throw err;
    }
  }

  /** The rebuild: exp_mm, exp_dims, exp_cm and exp_cells, dropped at commit. */
  private async buildExpected(m: EntityManager): Promise<void> {
    await m.query(`CREATE TEMP TABLE exp_mm ON COMMIT DROP AS ${matchMonthsSql(ALL_MATCHES)}`);
    await m.query(`CREATE INDEX ON exp_mm (match_id)`);
    await m.query(
      `CREATE TEMP TABLE exp_dims ON COMMIT DROP AS
       SELECT d.* FROM (${matchDimsSql((c) => `${c} IN (SELECT DISTINCT match_id FROM exp_mm)`)}) d`,
    );
    await m.query(`ANALYZE exp_mm`);
    await m.query(`ANALYZE exp_dims`);
    // Company memberships: first per pair cell (refs = matches), then rolled up into the seven scopes.
    await m.query(
      `CREATE TEMP TABLE exp_cm ON COMMIT DROP AS
       SELECT x.*, COALESCE(lag(x.month) OVER (PARTITION BY ${CHAIN_KEY.map((k) => `x.${k}`).join(', ')}
                                              ORDER BY x.month), '${NO_PREVIOUS_MONTH}'::date) AS prev_month
       FROM (
         SELECT p.basis, sc.category, sc.supplier_region, sc.receiver_region, p.company_id, p.month,
                sum(p.refs)::int AS refs
         FROM (
           SELECT mm.basis, d.category, d.supplier_region, d.receiver_region, co.company_id, mm.month,
                  count(*)::int AS refs
           FROM exp_mm mm JOIN exp_dims d ON d.match_id = mm.match_id ${companiesLateral('d')}
           GROUP BY 1, 2, 3, 4, 5, 6
         ) p ${scopesLateral('p')}
         GROUP BY 1, 2, 3, 4, 5, 6
       ) x`,
    );
    await m.query(
      `CREATE TEMP TABLE exp_cells ON COMMIT DROP AS
       SELECT p.basis, sc.supplier_region, sc.receiver_region, sc.category, p.month, 'match'::text AS kind,
              p.prev_month, sum(p.n)::int AS n, sum(p.energy_mwh) AS energy_mwh, sum(p.co2_t) AS co2_t
       FROM (
         SELECT mm.basis, d.category, d.supplier_region, d.receiver_region, mm.month, mm.prev_month,
                count(*)::int AS n, sum(mm.energy_mwh) AS energy_mwh, sum(mm.co2_t) AS co2_t
         FROM exp_mm mm JOIN exp_dims d ON d.match_id = mm.match_id
         GROUP BY 1, 2, 3, 4, 5, 6
       ) p ${scopesLateral('p')}
       GROUP BY 1, 2, 3, 4, 5, 6, 7
       UNION ALL
       SELECT basis, supplier_region, receiver_region, category, month, 'company', prev_month, count(*)::int,
              0::numeric, 0::numeric
       FROM exp_cm GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    );
    for (const table of ['exp_cm', 'exp_cells']) await m.query(`ANALYZE ${table}`);
  }

  private async compare(
    m: EntityManager,
    t: (typeof TABLES)[number],
  ): Promise<{ unexpected: number; missing: number }> {
    const cols = [...t.key, ...t.values].join(', ');
    const [row] = (await m.query(
      `SELECT (SELECT count(*) FROM (SELECT ${cols} FROM ${t.live} EXCEPT ALL SELECT ${cols} FROM ${t.expected}) a)::int
                AS unexpected,
              (SELECT count(*) FROM (SELECT ${cols} FROM ${t.expected} EXCEPT ALL SELECT ${cols} FROM ${t.live}) b)::int
                AS missing`,
    )) as { unexpected: number; missing: number }[];
    return row;
  }

  /**
   * Deletes live rows that differ from the rebuild, then inserts the rebuild's rows whose key is
   * missing (ON CONFLICT skips the ones that were equal; no anti-join against the growing table).
   */
  private async repair(m: EntityManager, t: (typeof TABLES)[number]): Promise<void> {
    const cols = [...t.key, ...t.values];
    const same = cols.map((c) => `e.${c} = l.${c}`).join(' AND ');
    await m.query(`DELETE FROM ${t.live} l WHERE NOT EXISTS (SELECT 1 FROM ${t.expected} e WHERE ${same})`);
    await m.query(
      `INSERT INTO ${t.live} (${cols.join(', ')}) SELECT ${cols.join(', ')} FROM ${t.expected}
       ON CONFLICT (${t.key.join(', ')}) DO NOTHING`,
    );
  }
}
