import { createDataSource, MatchingService, MatchStateCache } from '@symbiose/domain';
import { DataSource } from 'typeorm';
import { isolatedConfig } from '../support/worker-harness';
import { createWorld, insertStream, prng, setStatus } from './matching-fixtures';

/**
 * A stream's pair that stopped qualifying keeps its row (expired); when it qualifies again, the job
 * writes that row again (proposed, its version moved on) and never a second one. The job knows which of
 * its own pairs have rows from reading all of its rows, expired ones included (upsertPairs' storedAt).
 */
describe('a pair that qualifies again', () => {
  let db: DataSource;
  let matcher: MatchingService;

  beforeAll(async () => {
    const config = await isolatedConfig('requalify');
    db = createDataSource(config);
    await db.initialize();
    await db.query(`TRUNCATE matches, stream_match_state, streams, sites, companies CASCADE`);
    matcher = new MatchingService(db, config, new MatchStateCache());
  });
  afterAll(async () => db.destroy());

  it('is proposed again on its expired row, when the stream that paused is active again', async () => {
    const rnd = prng(41);
    const world = await createWorld(db, 2, rnd);
    const streams = [];
    for (let i = 0; i < 4; i++) streams.push(await insertStream(db, world.sites[0], 'supply', rnd, 'heat'));
    for (let i = 0; i < 4; i++) streams.push(await insertStream(db, world.sites[1], 'demand', rnd, 'heat'));
    for (const s of streams) await matcher.matchStream(s.id);
    const rowsOf = async (demandId: string) =>
      (await db.query(
        `SELECT id, supply_stream_id AS supply, status, qualifies, version FROM matches
         WHERE demand_stream_id = $1 ORDER BY supply_stream_id`,
        [demandId],
      )) as { id: string; supply: string; status: string; qualifies: boolean; version: number }[];
    // A demand with matches.
    let demandId = '';
    let before: Awaited<ReturnType<typeof rowsOf>> = [];
    for (const s of streams.slice(4)) {
      before = await rowsOf(s.id);
      if (before.length > 0) {
        demandId = s.id;
        break;
      }
    }
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((r) => r.status === 'proposed' && r.qualifies)).toBe(true);

    await setStatus(db, demandId, 'paused');
    await matcher.matchStream(demandId);
    const paused = await rowsOf(demandId);
    expect(paused.map((r) => r.id)).toEqual(before.map((r) => r.id));
    expect(paused.every((r) => r.status === 'expired' && !r.qualifies)).toBe(true);

    await setStatus(db, demandId, 'active');
    await matcher.matchStream(demandId);
    const again = await rowsOf(demandId);
    expect(again.map((r) => r.id)).toEqual(before.map((r) => r.id));
    expect(again.every((r) => r.status === 'proposed' && r.qualifies)).toBe(true);
    expect(again.map((r) => r.version)).toEqual(paused.map((r) => r.version + 1));
  });
});
