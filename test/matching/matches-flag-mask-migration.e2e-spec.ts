import { createDataSource } from '@symbiose/domain';
import { FLAGS, flagsFromMask } from '@symbiose/engine';
import { DataSource } from 'typeorm';
import { MatchesFlagMask1765060000000 } from '../../migrations/1765060000000-matches-flag-mask';
import { runMigrationStep } from '../support/migration-step';
import { isolatedConfig } from '../support/worker-harness';
import { createWorld, insertStream, prng } from './matching-fixtures';

/**
 * matches.flags (text[]) becomes flag_mask (smallint, bit i = the engine's FLAGS[i]) and back: every
 * stored set of flags survives the round trip, and a name that is not a flag stops the migration
 * before it changes anything.
 */
describe('migration: matches flag mask', () => {
  let db: DataSource;
  const migration = new MatchesFlagMask1765060000000();
  const run = (step: 'up' | 'down') => runMigrationStep(db, migration, step);
  const sets: string[][] = [
    [],
    ['heat_pump_required'],
    ['waste_status_permit', 'cross_border_shipment'],
    ['low_confidence_factor', 'shared_counterfactual', 'displaces_existing_use'],
    [...FLAGS],
  ];
  let ids: string[] = [];

  beforeAll(async () => {
    const config = await isolatedConfig('flag_mask_migration');
    db = createDataSource(config);
    await db.initialize();
    await db.query(`TRUNCATE matches, stream_match_state, streams, sites, companies CASCADE`);
    const rnd = prng(5);
    const world = await createWorld(db, 2, rnd);
    const supplies = [];
    for (let i = 0; i < sets.length; i++) {
      supplies.push((await insertStream(db, world.sites[0], 'supply', rnd, 'co2')).id);
    }
    const demand = (await insertStream(db, world.sites[1], 'demand', rnd, 'co2')).id;
    // Stored the way the code before this migration stored them: a text[] of names.
    await run('down');
    ids = [];
    for (let i = 0; i < sets.length; i++) {
      const [{ id }] = (await db.query(
        `INSERT INTO matches (supply_stream_id, demand_stream_id, category, score, exchanged_quantity,
           exchanged_unit, distance_km, route_km, transport_mode, energy_saved_mwh, co2_avoided_t, gross_co2_t,
           deducted_co2_t, flags, explanation, engine_version, factor_set_version)
         VALUES ($1, $2, 'co2', 1, 1, 't/yr', 1, 1, 'pipeline', 1, 1, 1, 0, $3::text[], '{}', 'e', 'f')
         RETURNING id`,
        [supplies[i], demand, sets[i]],
      )) as { id: string }[];
      ids.push(id);
    }
  });

  afterAll(async () => {
    // Leave the database as the migrations make it, whatever happened above.
    const [{ n }] = (await db.query(
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'matches' AND column_name = 'flags'`,
    )) as { n: number }[];
    if (n > 0) await run('up');
    await db.destroy();
  });

  it('turns every set of flag names into its mask, and back', async () => {
    await run('up');
    const masks = (await db.query(`SELECT id, flag_mask FROM matches`)) as {
      id: string;
      flag_mask: number;
    }[];
    const maskOf = new Map(masks.map((r) => [r.id, r.flag_mask]));
    expect(ids.map((id) => maskOf.get(id))).toEqual([0, 1, 6, 56, 63]);
    expect(ids.map((id) => flagsFromMask(maskOf.get(id)!))).toEqual(
      sets.map((s) => FLAGS.filter((f) => s.includes(f))),
    );

    await run('down');
    const names = (await db.query(`SELECT id, flags FROM matches`)) as { id: string; flags: string[] }[];
    const flagsOf = new Map(names.map((r) => [r.id, r.flags]));
    expect(ids.map((id) => flagsOf.get(id))).toEqual(sets.map((s) => FLAGS.filter((f) => s.includes(f))));
  });

  it('stops, changing nothing, at a stored name that is not a flag', async () => {
    await db.query(`UPDATE matches SET flags = '{heat_pump_required,regulatory_review}' WHERE id = $1`, [
      ids[1],
    ]);
    await expect(run('up')).rejects.toThrow(/regulatory_review/);
    const [{ flags }] = (await db.query(`SELECT flags FROM matches WHERE id = $1`, [ids[1]])) as {
      flags: string[];
    }[];
    expect(flags).toEqual(['heat_pump_required', 'regulatory_review']);
    await db.query(`UPDATE matches SET flags = '{heat_pump_required}' WHERE id = $1`, [ids[1]]);
  });
});
