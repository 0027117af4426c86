import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue #8: realised deliveries and the savings reports' summary tables.
 *
 * - `deliveries`: one current row per match and month (a partial unique index); a correction inserts a
 *   new row and marks the old one superseded, so the history stays.
 * - Summary tables, maintained in the transaction of every delivery write and match transition by
 *   ReportSummaryService (libs/domain/src/reports), rebuilt and compared by the daily check job:
 *   - `report_match_dims`: each reported match's category, companies and regions (from its streams' sites).
 *   - `report_match_months`: each match's contribution per basis and month (the write side).
 *   - `report_company_months`: per basis, scope and month, which companies take part (reference counts).
 *   - `report_cells`: what reports read. Per basis, scope (category, supplier region, receiver region,
 *     each possibly '*' = all) and month: energy and CO2 sums and member counts split by the member's
 *     previous month in that scope, so distinct exchanges and companies over any range of months are a
 *     sum: a member counts in [a, b] once, in the month whose previous month lies before a.
 */
export class DeliveriesReports1764800000000 implements MigrationInterface {
  name = 'DeliveriesReports1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        match_id uuid NOT NULL REFERENCES matches(id) ON DELETE RESTRICT,
        period date NOT NULL CHECK (extract(day FROM period) = 1 AND period >= date '2000-01-01'),
        entered_amount double precision NOT NULL CHECK (entered_amount >= 0),
        entered_unit text NOT NULL,
        quantity double precision NOT NULL CHECK (quantity >= 0),
        quantity_unit text NOT NULL CHECK (quantity_unit IN ('MWh', 't', 'm3')),
        energy_saved_mwh double precision NOT NULL,
        co2_avoided_t double precision NOT NULL,
        explanation jsonb NOT NULL,
        engine_version text NOT NULL,
        factor_set_version text NOT NULL,
        note text CHECK (note IS NULL OR length(note) <= 1000),
        recorded_by uuid REFERENCES users(id) ON DELETE SET NULL,
        recorded_role text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        verified_at timestamptz,
        verified_by uuid REFERENCES users(id) ON DELETE SET NULL,
        corrects_id uuid REFERENCES deliveries(id) ON DELETE RESTRICT,
        superseded_by uuid REFERENCES deliveries(id) ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED,
        superseded_at timestamptz,
        CONSTRAINT deliveries_superseded_pair CHECK ((superseded_by IS NULL) = (superseded_at IS NULL)),
        CONSTRAINT deliveries_not_self CHECK (corrects_id <> id AND superseded_by <> id)
      )`);
    // One current delivery per match and month; also the rebuild's and the list's access path.
    await q.query(
      `CREATE UNIQUE INDEX deliveries_current_idx ON deliveries (match_id, period) WHERE superseded_by IS NULL`,
    );
    await q.query(`CREATE INDEX deliveries_match_idx ON deliveries (match_id, period DESC, created_at DESC)`);
    // A delivery is corrected at most once: the history is a chain.
    await q.query(
      `CREATE UNIQUE INDEX deliveries_corrects_idx ON deliveries (corrects_id) WHERE corrects_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE report_state (
        id smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
        approved_through date NOT NULL CHECK (extract(day FROM approved_through) = 1)
      )`);
    await q.query(
      `INSERT INTO report_state (approved_through)
       VALUES (date_trunc('month', (now() AT TIME ZONE 'Europe/Brussels'))::date)`,
    );

    await q.query(`
      CREATE TABLE report_match_dims (
        match_id uuid PRIMARY KEY REFERENCES matches(id) ON DELETE CASCADE,
        category text NOT NULL,
        supplier_company_id uuid NOT NULL,
        receiver_company_id uuid NOT NULL,
        supplier_region text NOT NULL,
        receiver_region text NOT NULL
      )`);
    await q.query(`
      CREATE TABLE report_match_months (
        match_id uuid NOT NULL REFERENCES matches(id) ON DELETE CASCADE,
        basis text NOT NULL CHECK (basis IN ('realised', 'unverified', 'approved')),
        month date NOT NULL,
        prev_month date NOT NULL,
        energy_mwh numeric NOT NULL,
        co2_t numeric NOT NULL,
        PRIMARY KEY (match_id, basis, month)
      )`);
    await q.query(`
      CREATE TABLE report_company_months (
        basis text NOT NULL,
        category text NOT NULL,
        supplier_region text NOT NULL,
        receiver_region text NOT NULL,
        company_id uuid NOT NULL,
        month date NOT NULL,
        refs integer NOT NULL,
        prev_month date NOT NULL,
        PRIMARY KEY (basis, category, supplier_region, receiver_region, company_id, month)
      )`);
    await q.query(
      `CREATE INDEX report_company_months_empty_idx ON report_company_months (basis) WHERE refs = 0`,
    );
    await q.query(`
      CREATE TABLE report_cells (
        basis text NOT NULL,
        supplier_region text NOT NULL,
        receiver_region text NOT NULL,
        category text NOT NULL,
        month date NOT NULL,
        kind text NOT NULL CHECK (kind IN ('match', 'company')),
        prev_month date NOT NULL,
        n integer NOT NULL,
        energy_mwh numeric NOT NULL DEFAULT 0,
        co2_t numeric NOT NULL DEFAULT 0,
        -- INCLUDE: reports read the values from the index alone (index-only scans).
        PRIMARY KEY (basis, supplier_region, receiver_region, category, month, kind, prev_month)
          INCLUDE (n, energy_mwh, co2_t)
      )`);
    // Supplier-attributed scopes (receiver_region = '*') and a province's receiver-attributed cells.
    await q.query(
      `CREATE INDEX report_cells_receiver_idx ON report_cells
         (basis, receiver_region, supplier_region, category, month) INCLUDE (kind, prev_month, n, energy_mwh, co2_t)`,
    );
    await q.query(`CREATE INDEX report_cells_empty_idx ON report_cells (basis) WHERE n = 0`);

    await q.query(`
      CREATE TABLE report_summary_checks (
        id bigserial PRIMARY KEY,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'request')),
        requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'ok', 'drift', 'failed')),
        repair boolean NOT NULL,
        repaired boolean NOT NULL DEFAULT false,
        drift jsonb NOT NULL DEFAULT '{}',
        error text,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX report_summary_checks_started_idx ON report_summary_checks (started_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP TABLE report_summary_checks, report_cells, report_company_months, report_match_months,
         report_match_dims, report_state, deliveries`,
    );
  }
}
