import { createDataSource } from '@symbiose/domain';
import { CURRENT_FACTOR_SET, ENGINE_VERSION } from '@symbiose/engine';
import {
  float8Array,
  int4Array,
  textArray,
  uuidArray,
  uuidV7Array,
} from '@symbiose/domain/matching/pg-binary-arrays';
import { insertPairsInto } from '@symbiose/domain/matching/match-writer';
import {
  COPIED_COLUMNS,
  newPairsCopy,
  pairColumns,
  RUN_CONSTANT_COLUMNS,
  runConstantDefaultsSql,
} from '@symbiose/domain/matching/pair-columns';
import { ScoredPair } from '@symbiose/domain/matching/matching.types';
import fc from 'fast-check';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { isolatedConfig } from '../support/worker-harness';

/** The binary arrays the matcher sends must arrive in Postgres exactly as the values they encode. */
describe('binary array parameters', () => {
  let db: DataSource;

  beforeAll(async () => {
    db = createDataSource(await isolatedConfig('binary_arrays'));
    await db.initialize();
  });
  afterAll(async () => db.destroy());

  it('round-trips float8 values bit for bit, including the edge values', async () => {
    const values = [
      0,
      -0,
      1.5,
      -2.25e-308,
      5e-324,
      Number.MAX_VALUE,
      1 / 3,
      123456789.123,
      Infinity,
      -Infinity,
      NaN,
    ];
    const [row] = await db.query(
      `SELECT array_agg(v::text ORDER BY i) AS texts, array_agg(float8send(v) ORDER BY i) AS bits
       FROM unnest($1::float8[]) WITH ORDINALITY AS t(v, i)`,
      [float8Array(values)],
    );
    const expected = values.map((v) => {
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v);
      return b.toString('hex');
    });
    expect((row.bits as Buffer[]).map((b) => b.toString('hex'))).toEqual(expected);
    expect(row.texts).toEqual([
      '0',
      '-0',
      '1.5',
      '-2.25e-308',
      '5e-324',
      '1.7976931348623157e+308',
      '0.3333333333333333',
      '123456789.123',
      'Infinity',
      '-Infinity',
      'NaN',
    ]);
  });

  it('round-trips random numbers, uuids, texts and integers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.double(), fc.uuid(), fc.string({ unit: 'grapheme' }), fc.integer()), {
          maxLength: 40,
        }),
        async (rows) => {
          const [out] = await db.query(
            `SELECT coalesce(array_agg(f ORDER BY i), '{}') AS f, coalesce(array_agg(u::text ORDER BY i), '{}') AS u,
               coalesce(array_agg(t ORDER BY i), '{}') AS t, coalesce(array_agg(n ORDER BY i), '{}') AS n,
               count(*)::int AS count
             FROM unnest($1::float8[], $2::uuid[], $3::text[], $4::int4[]) WITH ORDINALITY AS x(f, u, t, n, i)`,
            [
              float8Array(rows.map((r) => r[0])),
              uuidArray(rows.map((r) => r[1])),
              textArray(rows.map((r) => r[2])),
              int4Array(rows.map((r) => r[3])),
            ],
          );
          expect(out.count).toBe(rows.length);
          expect(out.f.map(Number)).toEqual(rows.map((r) => r[0]));
          expect(out.u).toEqual(rows.map((r) => r[1].toLowerCase()));
          expect(out.t).toEqual(rows.map((r) => r[2]));
          expect(out.n).toEqual(rows.map((r) => r[3]));
        },
      ),
      { numRuns: 60, seed: 20261129 },
    );
  });

  it('sends new time-ordered ids that Postgres reads as version 7 uuids, in increasing order, none repeated', async () => {
    const at = Date.UTC(2026, 10, 29, 12, 0, 0, 123);
    // Two batches in the same millisecond and one in the next: the order must carry across batches.
    const batches = [uuidV7Array(5000, at), uuidV7Array(3, at), uuidV7Array(4, at + 1)];
    const [row] = await db.query(
      `WITH ids AS (
         SELECT u, b * 100000 + i AS pos FROM (
           SELECT u, 1 AS b, i FROM unnest($1::uuid[]) WITH ORDINALITY AS t(u, i) UNION ALL
           SELECT u, 2, i FROM unnest($2::uuid[]) WITH ORDINALITY AS t(u, i) UNION ALL
           SELECT u, 3, i FROM unnest($3::uuid[]) WITH ORDINALITY AS t(u, i)) x)
       SELECT count(*)::int AS n, count(DISTINCT u)::int AS distinct_ids,
         bool_and(substr(u::text, 15, 1) = '7') AS version7,
         bool_and(substr(u::text, 20, 1) IN ('8', '9', 'a', 'b')) AS rfc_variant,
         array_agg(u ORDER BY pos) = array_agg(u ORDER BY u) AS ordered,
         min(('x' || substr(replace(u::text, '-', ''), 1, 12))::bit(48)::bigint) AS first_ms,
         max(('x' || substr(replace(u::text, '-', ''), 1, 12))::bit(48)::bigint) AS last_ms
       FROM ids`,
      batches,
    );
    expect(row).toEqual({
      n: 5007,
      distinct_ids: 5007,
      version7: true,
      rfc_variant: true,
      ordered: true,
      first_ms: String(at),
      last_ms: String(at + 1),
    });
  });

  it('sends repeated texts (each distinct value encoded once) in their order', async () => {
    const values = ['heat', 'MWh/yr', 'heat', '', 'pipeline', 'heat', 'ünïcode', 'MWh/yr'];
    const [out] = await db.query(
      `SELECT array_agg(t ORDER BY i) AS t FROM unnest($1::text[]) WITH ORDINALITY AS x(t, i)`,
      [textArray(values)],
    );
    expect(out.t).toEqual(values);
  });

  it('refuses what is not a uuid or an int4 instead of sending it', () => {
    expect(() => uuidArray(['not-a-uuid'])).toThrow(RangeError);
    const valid = '0192f3a4-7b1c-7d2e-8f30-a1b2c3d4e5f6';
    expect(uuidArray([valid.toUpperCase()]).subarray(24).toString('hex')).toBe(valid.replace(/-/g, ''));
    for (const bad of [
      '0192f3a4-7b1c-7d2e-8f30-a1b2c3d4e5fg', // not hex
      '0192f3a4-7b1c-7d2e-8f30-a1b2c3d4e5f', // short
      '0192f3a47-b1c-7d2e-8f30-a1b2c3d4e5f6', // dash moved
      '0192f3a4-7b1c-7d2e-8f30-a1b2c3d4e5fé', // beyond ASCII
      `${valid} `,
    ]) {
      expect(() => uuidArray([valid, bad])).toThrow(RangeError);
    }
    expect(() => int4Array([1.5])).toThrow(RangeError);
    expect(() => int4Array([2 ** 31])).toThrow(RangeError);
  });

  it('copies new pairs in (binary COPY) exactly as the insert of the same pairs writes them', async () => {
    const pair = (i: number, flags: string[], extra: Partial<ScoredPair> = {}): ScoredPair => ({
      supplyId: `0192f3a4-7b1c-7d2e-8f30-a1b2c3d4e5f${i}`,
      demandId: `1192f3a4-7b1c-4d2e-8f30-a1b2c3d4e5f${i}`,
      category: 'heat',
      score: 1234.5 + i / 3,
      energy: 456.25 * i,
      routeKm: 12.5 + i,
      distanceKm: 10 + i / 7,
      exchanged: 1e6 / (i + 1),
      exchangedUnit: 'MWh/yr',
      mode: 'pipeline',
      gross: 2000 + i,
      deducted: i === 0 ? 0 : 1 / i,
      flags,
      ...extra,
    });
    const pairs = [
      pair(0, []),
      pair(1, ['heat_pump_required']),
      pair(2, ['heat_pump_required', 'low_confidence_factor']),
      pair(3, [], { category: 'material', exchangedUnit: 't/yr', mode: 'barge', score: -0 }),
      pair(4, ['shared_counterfactual'], { mode: 'road', gross: 5e-324 }),
      // A stream's K best come in a run: the encoder reuses the previous row's id bytes.
      pair(5, ['heat_pump_required'], { supplyId: '0192f3a4-7b1c-7d2e-8f30-a1b2c3d4e5f4' }),
      pair(6, [], { demandId: '1192f3a4-7b1c-4d2e-8f30-a1b2c3d4e5f5' }),
      pair(7, [], { supplyId: '0192f3a4-7b1c-7d2e-8f30-a1b2c3d4e5f6', category: 'water', mode: 'pipeline' }),
    ];
    const columns = COPIED_COLUMNS.join(', ');
    const rowsOf = (table: string) =>
      runner.query(
        `SELECT ${columns}, ${RUN_CONSTANT_COLUMNS.join(', ')}, status, qualifies, stale, version FROM ${table} ORDER BY id`,
      );
    const runner = db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(
        `CREATE TEMP TABLE copied (LIKE matches INCLUDING DEFAULTS INCLUDING GENERATED) ON COMMIT DROP`,
      );
      // The run's constant columns come from defaults, as in the new table and the staging tables.
      await runner.query(runConstantDefaultsSql('copied'));
      await runner.query(
        `CREATE TEMP TABLE inserted (LIKE matches INCLUDING DEFAULTS INCLUDING GENERATED) ON COMMIT DROP`,
      );
      const [data, ids] = newPairsCopy(pairs);
      const client = (await runner.connect()) as PoolClient;
      await new Promise<void>((resolve, reject) => {
        const copy = client.query(copyFrom(`COPY copied (${columns}) FROM STDIN (FORMAT binary)`));
        copy.once('error', reject);
        copy.once('finish', () => (copy.rowCount === pairs.length ? resolve() : reject(new Error('rows'))));
        copy.end(data as Buffer);
      });
      // The same pairs and ids through the insert of the merged writer's unnested columns.
      const params = pairColumns(pairs);
      params[15] = ids;
      await runner.query(insertPairsInto('inserted'), params);
      const copied = (await rowsOf('copied')) as Record<string, unknown>[];
      expect(copied).toHaveLength(pairs.length);
      expect(copied).toEqual(await rowsOf('inserted'));
      expect(copied.map((r) => r.flag_mask)).toEqual([0, 1, 17, 0, 32, 1, 0, 0]);
      expect(copied[3]).toMatchObject({ category: 'material', transport_mode: 'barge', explanation: {} });
      expect(copied[3]).toMatchObject({
        engine_version: ENGINE_VERSION,
        factor_set_version: CURRENT_FACTOR_SET.version,
      });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  });
});
