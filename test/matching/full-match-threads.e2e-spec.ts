import { INestApplicationContext } from '@nestjs/common';
import { JobQueue } from '@symbiose/core';
import {
  MatchableStream,
  MatchingService,
  pairKey,
  scorePairOf,
  ScoringPool,
  ScoringThreadError,
  STREAM_COLUMNS,
  StreamRow,
  toMatchable,
} from '@symbiose/domain';
import { copyRowStarts } from '@symbiose/domain/matching/binary-copy.reader';
import { heatStream } from '@symbiose/domain/matching/matchable-stream.builder';
import { DataSource } from 'typeorm';
import { isolatedConfig, obliterateQueues, startWorker } from '../support/worker-harness';
import {
  createWorld,
  expectStoredFloorsAgree,
  fromScratch,
  insertStream,
  prng,
  storedProposed,
} from './matching-fixtures';

/**
 * A large full re-match scores its categories side by side in worker threads (ScoringPool) while the
 * main thread writes what they send: the store must come out exactly as a from-scratch match, with the
 * acted-on rows outside every top K kept and every stream's floors over both.
 */
describe('full re-match in scoring threads', () => {
  const K = 3;
  let worker: INestApplicationContext;
  let db: DataSource;
  let matching: MatchingService;

  beforeAll(async () => {
    const config = await isolatedConfig('scoring_threads', {
      MATCH_TOP_K: String(K),
      SWEEP_INTERVAL_MS: '3600000',
      MATCH_SCORING_THREADS: '2',
      MATCH_THREADS_MIN_STREAMS: '0',
      // Small write calls, so each category is sent as several messages.
      MATCH_WRITE_BATCH: '7',
    });
    worker = await startWorker(config);
    db = worker.get(DataSource);
    matching = worker.get(MatchingService);
    await obliterateQueues(worker.get(JobQueue));
    await db.query(`TRUNCATE matches, stream_match_state, streams, sites, companies CASCADE`);
    const rnd = prng(47);
    const world = await createWorld(db, 6, rnd);
    // Heat, CO2 and hydrogen (randomStreamFields): three categories for two threads.
    for (let i = 0; i < 90; i++) {
      await insertStream(db, world.sites[i % world.sites.length], i % 2 === 0 ? 'supply' : 'demand', rnd);
    }
  });
  afterAll(async () => worker.close());

  it('stores a from-scratch match, keeps acted-on rows outside every top K and reports every stream', async () => {
    const reports: [number, number][] = [];
    const first = await matching.fullRematch((done, total) => {
      reports.push([done, total]);
    });
    const expected = await fromScratch(db, K);
    expect(expected.size).toBeGreaterThan(50);
    expect(first.kept).toBe(expected.size);
    expect(first.written).toBe(expected.size);
    expect(await storedProposed(db)).toEqual(expected);
    const categories = (await db.query(`SELECT DISTINCT category FROM matches ORDER BY 1`)) as {
      category: string;
    }[];
    expect(categories.map((c) => c.category)).toEqual(['co2', 'heat', 'hydrogen']);
    expect(await expectStoredFloorsAgree(db, K)).toBeGreaterThan(60);
    // Progress only moves forward and ends at every active stream.
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.map(([done]) => done)).toEqual([...reports.map(([done]) => done)].sort((a, b) => a - b));
    expect(reports[reports.length - 1]).toEqual([90, 90]);

    // An approved pair outside every top K that qualifies: kept and re-scored, and in its streams' floors.
    const streams = (
      (await db.query(`SELECT ${STREAM_COLUMNS} FROM streams ORDER BY id`)) as StreamRow[]
    ).map(toMatchable);
    const stored = await storedProposed(db);
    const spare = streams
      .flatMap((s) => streams.map((d) => [s, d] as const))
      .filter(([s, d]) => s.direction === 'supply' && d.direction === 'demand' && s.companyId !== d.companyId)
      .filter(([s, d]) => !stored.has(pairKey(s.id, d.id)))
      .map(([s, d]) => scorePairOf(s, d))
      .find((p) => p !== null)!;
    expect(spare).toBeDefined();
    const [approved] = (await db.query(
      `INSERT INTO matches (supply_stream_id, demand_stream_id, category, status, score, exchanged_quantity,
         exchanged_unit, distance_km, route_km, transport_mode, energy_saved_mwh, co2_avoided_t, gross_co2_t,
         deducted_co2_t, explanation, engine_version, factor_set_version)
       VALUES ($1, $2, $3, 'approved', 1e9, 1, 't', 1, 1, 'pipeline', 1, 1e9, 1, 0, '{}', 'engine-0', 'factors-0')
       RETURNING id`,
      [spare.supplyId, spare.demandId, spare.category],
    )) as { id: string }[];

    await matching.fullRematch();
    const [row] = (await db.query(`SELECT status, score FROM matches WHERE id = $1`, [approved.id])) as {
      status: string;
      score: number;
    }[];
    expect(row.status).toBe('approved');
    expect(row.score).toBe(spare.score);
    expect(await storedProposed(db)).toEqual(expected);
    expect(await expectStoredFloorsAgree(db, K)).toBeGreaterThan(60);
  });
});

describe('ScoringPool', () => {
  const job = { k: 2, batch: 10, rowsPerStatement: 5, chunksAhead: 4 };
  const handlers = { rows: () => undefined, progress: () => undefined };

  it('fails a category whose scoring throws in its thread, and everything after it', async () => {
    const pool = new ScoringPool(1);
    try {
      // A stream without a site: matchFromScratch throws reading its position.
      const broken = {
        id: '00000000-0000-4000-8000-000000000001',
        direction: 'supply',
        category: 'co2',
        status: 'active',
      } as unknown as MatchableStream;
      await expect(pool.match('co2', [broken], job, handlers)).rejects.toThrow(ScoringThreadError);
      await expect(pool.match('heat', [], job, handlers)).rejects.toThrow(ScoringThreadError);
      await expect(pool.floors('co2', [], [])).rejects.toThrow(ScoringThreadError);
    } finally {
      await pool.close();
    }
  });

  it("runs its threads with the young generation asked for, and V8's default otherwise", async () => {
    const sized = new ScoringPool(2, { youngGenerationMb: 96 });
    const plain = new ScoringPool(1);
    try {
      expect(sized.resourceLimits.map((l) => l.maxYoungGenerationSizeMb)).toEqual([96, 96]);
      const [defaults] = plain.resourceLimits;
      expect(defaults.maxYoungGenerationSizeMb).not.toBe(96);
    } finally {
      await Promise.all([sized.close(), plain.close()]);
    }
  });

  it("sends each statement's data in memory it takes back once written, and every kept pair once", async () => {
    // Ten heat supplies and ten demands within reach of each other: 100 pairs, a few statements each way.
    const streams = Array.from({ length: 20 }, (_, i) =>
      heatStream(i + 1, i % 2 === 0 ? 'supply' : 'demand', 51.05 + i * 0.001, 3.72, 10_000 + 500 * i),
    );
    const pool = new ScoringPool(1);
    const sent: Buffer[] = [];
    const ids = new Set<string>();
    try {
      const result = await pool.match(
        'heat',
        streams,
        { k: 4, batch: 1, rowsPerStatement: 3, chunksAhead: 1 },
        {
          rows: (chunks) => {
            for (const chunk of chunks) {
              expect(chunk).toHaveLength(1); // the data only: the rows' ids are in it
              const data = chunk[0] as Buffer;
              for (const row of copyRowStarts(data))
                ids.add(data.subarray(row + 6, row + 22).toString('hex'));
              sent.push(data);
            }
            // Written (as the run's writer would, later): the memory goes back and is unusable here.
            setImmediate(() => {
              pool.written(
                'heat',
                chunks.length,
                chunks.map(([data]) => (data as Buffer).buffer as ArrayBuffer),
              );
              for (const [data] of chunks) expect((data as Buffer).byteLength).toBe(0);
            });
          },
          progress: () => undefined,
        },
      );
      expect(result.kept).toBeGreaterThan(20);
      expect(ids.size).toBe(result.kept);
      expect(sent.length).toBeGreaterThan(result.kept / 3);
    } finally {
      await pool.close();
    }
  });

  it('gives floors only of a category it scored', async () => {
    const pool = new ScoringPool(1);
    try {
      await expect(pool.match('heat', [], job, handlers)).resolves.toEqual({
        qualifying: 0,
        scored: 0,
        skipped: 0,
        kept: 0,
      });
      await expect(pool.floors('co2', [], [])).rejects.toThrow('category co2 was not scored by this pool');
      const id = '00000000-0000-4000-8000-000000000002';
      const [floors] = await pool.floors('heat', [id], []);
      expect(JSON.parse(floors)).toEqual({ k: 2, keys: [] });
    } finally {
      await pool.close();
    }
  });
});
