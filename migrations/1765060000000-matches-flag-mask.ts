import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A match's flags as a smallint bit mask (bit i: the engine's FLAGS[i], append-only) instead of a text[]:
 * a full re-match copies 3.6 million rows, and parsing a text array per row was a fifth of the COPY
 * (3.56 million rows with psql: 4.8 → 3.9 s) and 67 of a row's ~300 bytes (table 1,035 → 851 MB).
 * The API still answers flag names. The names are spelled out here: a migration must not change
 * with the code after it.
 */
const FLAGS = [
  'heat_pump_required',
  'cross_border_shipment',
  'waste_status_permit',
  'displaces_existing_use',
  'low_confidence_factor',
  'shared_counterfactual',
];
const NAMES = `ARRAY[${FLAGS.map((f) => `'${f}'`).join(', ')}]::text[]`;

export class MatchesFlagMask1765060000000 implements MigrationInterface {
  name = 'MatchesFlagMask1765060000000';

  async up(q: QueryRunner): Promise<void> {
    const unknown = (await q.query(
      `SELECT DISTINCT f FROM matches, unnest(flags) AS f WHERE NOT f = ANY(${NAMES}) ORDER BY f`,
    )) as { f: string }[];
    if (unknown.length > 0) {
      throw new Error(`matches.flags holds names that are not flags: ${unknown.map((u) => u.f).join(', ')}`);
    }
    await q.query(`ALTER TABLE matches ADD COLUMN flag_mask smallint NOT NULL DEFAULT 0`);
    await q.query(
      `UPDATE matches SET flag_mask = (
         SELECT bit_or(1 << (array_position(${NAMES}, f) - 1)) FROM unnest(flags) AS f)
       WHERE flags <> '{}'`,
    );
    await q.query(`ALTER TABLE matches DROP COLUMN flags`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE matches ADD COLUMN flags text[] NOT NULL DEFAULT '{}'`);
    await q.query(
      `UPDATE matches SET flags = ARRAY(
         SELECT n.name FROM unnest(${NAMES}) WITH ORDINALITY AS n(name, i)
         WHERE flag_mask & (1 << (n.i::int - 1)) <> 0 ORDER BY n.i)
       WHERE flag_mask <> 0`,
    );
    await q.query(`ALTER TABLE matches DROP COLUMN flag_mask`);
  }
}
