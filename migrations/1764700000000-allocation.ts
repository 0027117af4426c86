import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Region-wide allocation plans (issue #10): one header row per solve with the plan, greedy and naive
 * totals, and the plan's non-zero items. The worker keeps the last few plans for comparison.
 * Items keep their match id without a foreign key: re-matching deletes proposed matches, while a plan
 * is a snapshot of what was allocated when it was computed.
 */
export class Allocation1764700000000 implements MigrationInterface {
  name = 'Allocation1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE allocation_plans (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        created_at timestamptz NOT NULL DEFAULT now(),
        requested_at timestamptz,
        engine_version text NOT NULL,
        factor_set_version text NOT NULL,
        status text NOT NULL,
        input_hash text NOT NULL,
        plan_energy_mwh double precision NOT NULL,
        plan_co2_t double precision NOT NULL,
        greedy_energy_mwh double precision NOT NULL,
        greedy_co2_t double precision NOT NULL,
        naive_energy_mwh double precision NOT NULL,
        naive_co2_t double precision NOT NULL,
        pairs_count integer NOT NULL,
        items_count integer NOT NULL,
        supplies_count integer NOT NULL,
        demands_count integer NOT NULL,
        excluded_count integer NOT NULL DEFAULT 0,
        solver jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX allocation_plans_latest_idx ON allocation_plans (created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE allocation_plan_items (
        plan_id uuid NOT NULL REFERENCES allocation_plans(id) ON DELETE CASCADE,
        match_id uuid NOT NULL,
        supply_stream_id uuid NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
        demand_stream_id uuid NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
        category text NOT NULL,
        unit text NOT NULL,
        quantity double precision NOT NULL CHECK (quantity > 0),
        supply_used double precision NOT NULL CHECK (supply_used >= 0),
        co2_t double precision NOT NULL,
        energy_mwh double precision NOT NULL,
        PRIMARY KEY (plan_id, match_id)
      )`);
    await q.query(
      `CREATE INDEX allocation_items_supply_idx ON allocation_plan_items (plan_id, supply_stream_id)`,
    );
    await q.query(
      `CREATE INDEX allocation_items_demand_idx ON allocation_plan_items (plan_id, demand_stream_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE allocation_plan_items, allocation_plans`);
  }
}
