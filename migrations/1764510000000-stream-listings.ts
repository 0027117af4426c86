import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The material taxonomy as of this migration (a snapshot of libs/engine's MATERIAL_TAXONOMY; a test
 * keeps the two equal, so a taxonomy change comes with a migration), idempotency keys for POST
 * /streams, and the integrity the listing API relies on.
 */
const MATERIAL_TYPES: [id: string, label: string, ewcCodes: string[], hazardousDefault: boolean][] = [
  [
    'gypsum',
    'Gypsum (FGD, titanogypsum, recycled plasterboard)',
    ['10 01 05', '10 01 07', '06 11 01', '17 08 02'],
    false,
  ],
  ['blast_furnace_slag', 'Granulated blast-furnace slag', ['10 02 02', '10 02 01'], false],
  ['fly_ash', 'Fly ash', ['10 01 02', '10 01 03', '10 01 17', '10 01 16*', '19 01 14', '19 01 13*'], false],
  ['steel_slag', 'Steel (converter / electric arc furnace) slag', ['10 02 02', '10 02 01'], false],
  [
    'biomass_residue',
    'Biomass residue (plant tissue, forestry, food-processing residue)',
    ['02 01 03', '02 01 07', '02 03 04', '02 07 04', '20 02 01'],
    false,
  ],
  ['spent_sulphuric_acid', 'Spent sulphuric acid', ['06 01 01*', '11 01 05*'], true],
  [
    'plastics',
    'Plastics',
    ['02 01 04', '07 02 13', '12 01 05', '15 01 02', '16 01 19', '17 02 03', '19 12 04', '20 01 39'],
    false,
  ],
  [
    'wood',
    'Wood',
    ['03 01 05', '15 01 03', '17 02 01', '19 12 07', '20 01 38', '03 01 04*', '19 12 06*', '20 01 37*'],
    false,
  ],
  [
    'sludge',
    'Sludge (waste-water treatment)',
    ['19 08 05', '19 08 12', '03 03 11', '02 02 04', '19 08 11*'],
    false,
  ],
  [
    'glass',
    'Glass (cullet)',
    ['10 11 12', '15 01 07', '16 01 20', '17 02 02', '19 12 05', '20 01 02'],
    false,
  ],
  [
    'metal_scrap',
    'Ferrous metal scrap',
    ['12 01 01', '12 01 02', '16 01 17', '17 04 05', '19 10 01', '19 12 02', '20 01 40'],
    false,
  ],
];

export class StreamListings1764510000000 implements MigrationInterface {
  name = 'StreamListings1764510000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE material_types (
        id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]*$'),
        label text NOT NULL,
        ewc_codes text[] NOT NULL DEFAULT '{}'
          CHECK (array_to_string(ewc_codes, ',') ~ '^([0-9]{2} [0-9]{2} [0-9]{2}\\*?(,|$))*$'),
        hazardous_default boolean NOT NULL DEFAULT false
      )`);
    for (const [id, label, ewcCodes, hazardous] of MATERIAL_TYPES) {
      await q.query(
        `INSERT INTO material_types (id, label, ewc_codes, hazardous_default) VALUES ($1, $2, $3, $4)`,
        [id, label, ewcCodes, hazardous],
      );
    }
    await q.query(`
      ALTER TABLE streams
        ADD CONSTRAINT streams_material_type_fk FOREIGN KEY (material_type) REFERENCES material_types(id),
        ADD CONSTRAINT streams_material_fields CHECK (
          (category = 'material') = (material_type IS NOT NULL)
          AND (regulatory_status IS NULL OR category = 'material')),
        ADD CONSTRAINT streams_regulatory_status CHECK (
          regulatory_status IS NULL OR regulatory_status IN ('waste', 'by_product', 'end_of_waste')),
        ADD CONSTRAINT streams_ewc_code CHECK (ewc_code IS NULL OR ewc_code ~ '^[0-9]{2} [0-9]{2} [0-9]{2}\\*?$'),
        ADD CONSTRAINT streams_max_distance CHECK (max_distance_km IS NULL OR max_distance_km > 0),
        ADD CONSTRAINT streams_versions CHECK (version >= 1 AND matched_version >= 0)`);
    // Lists for coordinators (all companies, newest first) and by site.
    await q.query(`CREATE INDEX streams_created_idx ON streams (created_at DESC, id DESC)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
        request_hash text NOT NULL,
        response_status integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP INDEX streams_created_idx`);
    await q.query(`
      ALTER TABLE streams
        DROP CONSTRAINT streams_material_type_fk,
        DROP CONSTRAINT streams_material_fields,
        DROP CONSTRAINT streams_regulatory_status,
        DROP CONSTRAINT streams_ewc_code,
        DROP CONSTRAINT streams_max_distance,
        DROP CONSTRAINT streams_versions`);
    await q.query(`DROP TABLE material_types`);
  }
}
