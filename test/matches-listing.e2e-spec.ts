/**
 * Which matches GET /matches and GET /streams/:id/matches list, in which order and with which total,
 * against the definition written out in SQL here: a match is an officer's if either of its streams is
 * their company's; it is listed if it qualifies or a party acted on it, and once expired only if kept
 * as stale; best first, with the pair's ids breaking ties. The service reads these through the
 * company's streams and the stream's own side (see MatchesService.list and listForStream); this suite
 * checks every page against the definition, past the last page too.
 */
import { MATCH_STATUSES } from '@symbiose/domain';
import request from 'supertest';
import {
  API,
  bearer,
  createMatchWorld,
  forceState,
  insertHeatStream,
  insertMatch,
  MatchState,
  MatchWorld,
  Party,
  startMatchesApi,
} from './matches-fixtures';
import { ApiHarness } from './support/api-harness';

interface Listed {
  ids: string[];
  total: number;
}

describe('match lists: the matches an officer may see, best first, page by page', () => {
  let api: ApiHarness;
  let one: MatchWorld;
  let two: MatchWorld;
  const streams: Record<string, string> = {};

  beforeAll(async () => {
    api = await startMatchesApi();
    // Two worlds at the same two sites: A1 and A2 list supplies in Gent, B1 and B2 demands in Zelzate,
    // and A1 a demand too, so that matches cross companies and A1 is on both sides.
    one = await createMatchWorld(api);
    two = await createMatchWorld(api);
    const heat = async (party: Party, name: string, direction: 'supply' | 'demand', quantity: number) => {
      streams[name] = await insertHeatStream(api.db, party, {
        direction,
        title: `${name} ${one.tag}`,
        quantity,
        temperatureC: direction === 'supply' ? 95 : 70,
      });
    };
    await heat(one.a, 's1', 'supply', 50_000);
    await heat(one.a, 's2', 'supply', 20_000);
    await heat(one.a, 'd1', 'demand', 8_000);
    await heat(two.a, 's3', 'supply', 30_000);
    await heat(one.b, 'e1', 'demand', 12_000);
    await heat(one.b, 'e2', 'demand', 40_000);
    await heat(two.b, 'e3', 'demand', 25_000);
    // Every pair across companies, then some of them put in states that are listed or not.
    const pairs: [string, string][] = [
      ['s1', 'e1'],
      ['s1', 'e2'],
      ['s1', 'e3'],
      ['s2', 'e1'],
      ['s2', 'e2'],
      ['s2', 'e3'],
      ['s3', 'd1'],
      ['s3', 'e1'],
      ['s3', 'e2'],
      ['s3', 'e3'],
    ];
    const ids = new Map<string, string>();
    for (const [s, d] of pairs) ids.set(`${s}-${d}`, await insertMatch(api.db, streams[s], streams[d]));
    const states: [string, MatchState][] = [
      ['s1-e2', { status: 'proposed', qualifies: false }], // no longer qualifies: not listed
      ['s2-e1', { status: 'expired', qualifies: false }], // expired: not listed
      ['s2-e2', { status: 'expired', qualifies: false, stale: true }], // kept as stale: listed
      ['s3-d1', { status: 'approved', supply_interest: 'interested', demand_interest: 'interested' }],
      ['s3-e2', { status: 'mutual_interest', qualifies: false, stale: true }], // acted on: listed
    ];
    for (const [key, state] of states) await forceState(api.db, ids.get(key) as string, state);
  });
  afterAll(async () => api?.close());

  /** The definition: the company's matches (or all, for staff) of the stream (or all), in list order. */
  async function expected(filter: {
    companyId?: string;
    streamId?: string;
    status?: string;
  }): Promise<Listed> {
    const params: unknown[] = [];
    const where = [`(m.qualifies OR m.status <> 'proposed')`, `(m.status <> 'expired' OR m.stale)`];
    if (filter.companyId) {
      params.push(filter.companyId);
      where.push(`(s.company_id = $${params.length} OR d.company_id = $${params.length})`);
    }
    if (filter.streamId) {
      params.push(filter.streamId);
      where.push(`(m.supply_stream_id = $${params.length} OR m.demand_stream_id = $${params.length})`);
    }
    if (filter.status) {
      params.push(filter.status);
      where.push(`m.status = $${params.length}`);
    }
    const rows = (await api.db.query(
      `SELECT m.id FROM matches m
       JOIN streams s ON s.id = m.supply_stream_id JOIN streams d ON d.id = m.demand_stream_id
       WHERE ${where.join(' AND ')}
       ORDER BY m.score DESC, m.energy_saved_mwh DESC, m.route_km, m.supply_stream_id, m.demand_stream_id`,
      params,
    )) as { id: string }[];
    return { ids: rows.map((r) => r.id), total: rows.length };
  }

  /** Every page of `path` at `pageSize` (and the empty one after the last), as one list. */
  async function listed(token: string, path: string, pageSize: number): Promise<Listed> {
    const ids: string[] = [];
    const totals = new Set<number>();
    for (let page = 1; ; page++) {
      const separator = path.includes('?') ? '&' : '?';
      const res = await request(api.url)
        .get(`${API}${path}${separator}page=${page}&pageSize=${pageSize}`)
        .set(bearer(token))
        .expect(200);
      totals.add(res.body.total);
      expect(res.body.items.length).toBeLessThanOrEqual(pageSize);
      if (res.body.items.length === 0) break;
      ids.push(...res.body.items.map((m: { id: string }) => m.id));
    }
    expect(totals.size).toBe(1);
    return { ids, total: [...totals][0] };
  }

  it("GET /matches lists exactly an officer's company's matches, on either side, page by page", async () => {
    const officers = () => [one.a, one.b, two.a, two.b];
    for (const party of officers()) {
      const want = await expected({ companyId: party.company.id });
      expect(want.total).toBeGreaterThan(0);
      for (const pageSize of [1, 3, 100]) {
        expect(await listed(party.token, '/matches', pageSize)).toEqual(want);
      }
    }
    // Hand-checked for A1 (supplies s1 and s2, demand d1): s1-e1, s1-e3, s2-e2 (stale), s2-e3, s3-d1;
    // not s1-e2 (no longer qualifies) or s2-e1 (expired).
    expect((await expected({ companyId: one.a.company.id })).total).toBe(5);
  });

  it('GET /matches lists every listed match for staff, page by page, with or without a status', async () => {
    const everything = await expected({});
    // This suite's 8 listed matches at least (and other suites' in the same database: staff see all).
    expect(everything.total).toBeGreaterThanOrEqual(8);
    for (const pageSize of [1, 4, 100]) {
      expect(await listed(one.coordinator.token, '/matches', pageSize)).toEqual(everything);
    }
    for (const status of ['proposed', 'mutual_interest', 'expired']) {
      expect(await listed(one.coordinator.token, `/matches?status=${status}`, 3)).toEqual(
        await expected({ status }),
      );
    }
  });

  it('GET /matches?status= narrows an officer’s list to that status', async () => {
    for (const status of ['proposed', 'approved', 'mutual_interest', 'expired']) {
      for (const party of [one.a, two.a, one.b]) {
        const want = await expected({ companyId: party.company.id, status });
        expect(await listed(party.token, `/matches?status=${status}`, 2)).toEqual(want);
      }
    }
    expect((await expected({ companyId: one.b.company.id, status: 'mutual_interest' })).total).toBe(1);
  });

  it('keeps the listed column (what the rank indexes carry) equal to the definition in every state', async () => {
    const [{ id }] = (await api.db.query(
      `SELECT id FROM matches WHERE supply_stream_id = $1 AND demand_stream_id = $2`,
      [streams.s1, streams.e1],
    )) as { id: string }[];
    const [before] = (await api.db.query(`SELECT status, qualifies, stale FROM matches WHERE id = $1`, [
      id,
    ])) as {
      status: string;
      qualifies: boolean;
      stale: boolean;
    }[];
    const seen: boolean[] = [];
    for (const status of MATCH_STATUSES) {
      for (const qualifies of [true, false]) {
        for (const stale of [true, false]) {
          await api.db.query(`UPDATE matches SET status = $2, qualifies = $3, stale = $4 WHERE id = $1`, [
            id,
            status,
            qualifies,
            stale,
          ]);
          const [{ listed }] = (await api.db.query(`SELECT listed FROM matches WHERE id = $1`, [id])) as {
            listed: boolean;
          }[];
          expect({ status, qualifies, stale, listed }).toEqual({
            status,
            qualifies,
            stale,
            listed: (qualifies || status !== 'proposed') && (status !== 'expired' || stale),
          });
          seen.push(listed);
        }
      }
    }
    // Of the 32 states: every acted-on one but the expired (6 statuses × 4), proposed when it qualifies,
    // expired when kept as stale.
    expect(seen.filter((l) => l)).toHaveLength(28);
    // Put the row back as it was.
    await api.db.query(`UPDATE matches SET status = $2, qualifies = $3, stale = $4 WHERE id = $1`, [
      id,
      before.status,
      before.qualifies,
      before.stale,
    ]);
  });

  it('GET /streams/:id/matches lists every listed match of the stream, for its officer and for staff', async () => {
    const owners: Record<string, Party> = {
      s1: one.a,
      s2: one.a,
      d1: one.a,
      s3: two.a,
      e1: one.b,
      e2: one.b,
      e3: two.b,
    };
    for (const [name, party] of Object.entries(owners)) {
      const want = await expected({ streamId: streams[name] });
      for (const pageSize of [1, 2, 50]) {
        expect(await listed(party.token, `/streams/${streams[name]}/matches`, pageSize)).toEqual(want);
      }
      expect(await listed(one.coordinator.token, `/streams/${streams[name]}/matches`, 2)).toEqual(want);
      // The officer's view of their own stream is their company's view of it.
      expect(want).toEqual(await expected({ streamId: streams[name], companyId: party.company.id }));
    }
    // Hand-checked: e2 (demand of B1) has s2-e2 (stale) and s3-e2 (acted on); s1-e2 no longer qualifies.
    expect((await expected({ streamId: streams.e2 })).total).toBe(2);
  });
});
