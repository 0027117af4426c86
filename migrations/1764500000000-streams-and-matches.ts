import { MigrationInterface, QueryRunner } from 'typeorm';

export class StreamsAndMatches1764500000000 implements MigrationInterface {
  name = 'StreamsAndMatches1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE streams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE RESTRICT,
        company_id uuid NOT NULL REFERENCES companies(id) ON DELETE RESTRICT,
        direction text NOT NULL CHECK (direction IN ('supply', 'demand')),
        category text NOT NULL CHECK (category IN ('heat', 'co2', 'hydrogen', 'material', 'water')),
        title text NOT NULL,
        description text NOT NULL DEFAULT '',
        quantity_amount double precision NOT NULL CHECK (quantity_amount > 0),
        quantity_unit text NOT NULL,
        full_load_hours double precision,
        annual_quantity double precision NOT NULL CHECK (annual_quantity > 0),
        canonical_unit text NOT NULL,
        quality jsonb NOT NULL,
        material_type text,
        current_handling text,
        current_source text,
        available_from date,
        available_until date,
        max_distance_km double precision,
        regulatory_status text,
        ewc_code text,
        visibility text NOT NULL DEFAULT 'anonymous' CHECK (visibility IN ('anonymous', 'named')),
        status text NOT NULL CHECK (status IN ('draft', 'active', 'paused', 'withdrawn', 'expired')),
        version integer NOT NULL DEFAULT 1,
        matched_version integer NOT NULL DEFAULT 0,
        latitude double precision NOT NULL,
        longitude double precision NOT NULL,
        country char(2) NOT NULL,
        has_quay boolean NOT NULL,
        has_rail boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT streams_counterfactual CHECK (
          (direction = 'supply' AND current_handling IS NOT NULL AND current_source IS NULL) OR
          (direction = 'demand' AND current_source IS NOT NULL AND current_handling IS NULL)),
        CONSTRAINT streams_window CHECK (available_until IS NULL OR available_from IS NULL OR available_until >= available_from)
      )`);
    await q.query(`CREATE INDEX streams_company_idx ON streams (company_id, created_at, id)`);
    await q.query(`CREATE INDEX streams_site_idx ON streams (site_id)`);
    // The outbox: dirty streams (matches older than the stream's version), scanned by the sweeper.
    await q.query(`CREATE INDEX streams_dirty_idx ON streams (updated_at) WHERE matched_version < version`);
    // Candidate pruning: active streams of one category and direction inside a latitude band.
    await q.query(
      `CREATE INDEX streams_candidates_idx ON streams (category, direction, latitude, longitude) WHERE status = 'active'`,
    );
    await q.query(
      `CREATE INDEX streams_expiry_idx ON streams (available_until) WHERE status IN ('active', 'paused')`,
    );

    await q.query(`
      CREATE TABLE matches (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        supply_stream_id uuid NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
        demand_stream_id uuid NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
        category text NOT NULL,
        status text NOT NULL DEFAULT 'proposed' CHECK (status IN
          ('proposed', 'mutual_interest', 'approved', 'active', 'closed', 'declined', 'rejected', 'expired')),
        qualifies boolean NOT NULL DEFAULT true,
        stale boolean NOT NULL DEFAULT false,
        supply_interest text CHECK (supply_interest IN ('interested', 'declined')),
        demand_interest text CHECK (demand_interest IN ('interested', 'declined')),
        score double precision NOT NULL,
        exchanged_quantity double precision NOT NULL,
        exchanged_unit text NOT NULL,
        distance_km double precision NOT NULL,
        route_km double precision NOT NULL,
        transport_mode text NOT NULL,
        energy_saved_mwh double precision NOT NULL,
        co2_avoided_t double precision NOT NULL,
        gross_co2_t double precision NOT NULL,
        deducted_co2_t double precision NOT NULL,
        flags text[] NOT NULL DEFAULT '{}',
        explanation jsonb NOT NULL,
        agreed_estimate jsonb,
        engine_version text NOT NULL,
        factor_set_version text NOT NULL,
        version integer NOT NULL DEFAULT 1,
        computed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT matches_pair_unique UNIQUE (supply_stream_id, demand_stream_id)
      )`);
    // Ranked reads per stream (best first) and the K-th-best lookups of incremental matching.
    await q.query(
      `CREATE INDEX matches_supply_rank_idx ON matches (supply_stream_id, score DESC, energy_saved_mwh DESC, route_km, demand_stream_id) WHERE qualifies`,
    );
    await q.query(
      `CREATE INDEX matches_demand_rank_idx ON matches (demand_stream_id, score DESC, energy_saved_mwh DESC, route_km, supply_stream_id) WHERE qualifies`,
    );
    await q.query(`CREATE INDEX matches_status_idx ON matches (status, updated_at)`);

    await q.query(`
      CREATE TABLE match_events (
        id bigserial PRIMARY KEY,
        match_id uuid NOT NULL REFERENCES matches(id) ON DELETE CASCADE,
        actor_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        actor_role text,
        action text NOT NULL,
        from_status text,
        to_status text NOT NULL,
        note text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX match_events_match_idx ON match_events (match_id, id)`);

    await q.query(`
      CREATE TABLE match_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
        reason text NOT NULL,
        requested_by uuid REFERENCES users(id) ON DELETE SET NULL,
        total integer NOT NULL DEFAULT 0,
        done integer NOT NULL DEFAULT 0,
        matches_written integer NOT NULL DEFAULT 0,
        engine_version text NOT NULL,
        factor_set_version text NOT NULL,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX match_runs_created_idx ON match_runs (created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE match_runs, match_events, matches, streams`);
  }
}
