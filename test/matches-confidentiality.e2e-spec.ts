/**
 * Names are revealed only by mutual consent. Every response an officer receives before mutual
 * interest — lists, details, the stream's matches (with rejections explained), notifications,
 * transition responses, errors, explanations and events — is serialised and searched for every
 * identifying string of the counterpart: company, site, coordinates, stream title and description,
 * officer e-mail, exact quantity and ids.
 */
import request from 'supertest';
import {
  act,
  API,
  bearer,
  createMatchWorld,
  insertMatchedPair,
  MatchWorld,
  Party,
  startMatchesApi,
} from './matches-fixtures';
import { ApiHarness } from './support/api-harness';

type Collected = { label: string; status: number; text: string };

describe('confidentiality before mutual interest', () => {
  let api: ApiHarness;
  let world: MatchWorld;
  let pair: { matchId: string; supplyId: string; demandId: string };

  beforeAll(async () => {
    api = await startMatchesApi();
    world = await createMatchWorld(api);
    pair = await insertMatchedPair(api.db, world);
  });
  afterAll(async () => api?.close());

  /** Everything that identifies a party (exact numbers as JSON would print them). */
  function secretsOf(
    party: Party,
    streamId: string,
    title: RegExp | string,
    exactQuantity: string,
  ): (string | RegExp)[] {
    return [
      party.company.name,
      party.company.id,
      party.company.registrationNumber,
      party.site.name,
      party.site.id,
      String(party.site.latitude),
      String(party.site.longitude),
      party.officer.email,
      party.officer.id,
      streamId,
      title,
      'secret', // both descriptions say "... secret ..."
      exactQuantity,
    ];
  }

  function leaks(collected: Collected[], secrets: (string | RegExp)[]): string[] {
    const out: string[] = [];
    for (const c of collected) {
      for (const secret of secrets) {
        const found = typeof secret === 'string' ? c.text.includes(secret) : secret.test(c.text);
        if (found) out.push(`${c.label} (${c.status}) contains ${String(secret)}`);
      }
    }
    return out;
  }

  async function get(token: string, path: string, collected: Collected[], label = `GET ${path}`) {
    const res = await request(api.url).get(`${API}${path}`).set(bearer(token));
    collected.push({ label, status: res.status, text: res.text });
    return res;
  }

  async function post(
    token: string,
    path: string,
    body: unknown,
    collected: Collected[],
    label = `POST ${path}`,
  ) {
    const res = await request(api.url)
      .post(`${API}${path}`)
      .set(bearer(token))
      .send(body as object);
    collected.push({ label, status: res.status, text: res.text });
    return res;
  }

  it("officer A (supply side) never sees B's identity, in any response, before mutual interest", async () => {
    const { a, b } = world;
    const seen: Collected[] = [];
    const t = a.token;
    const m = pair.matchId;

    // Reads.
    const list = await get(t, '/matches', seen);
    expect(list.status).toBe(200);
    await get(t, '/matches?status=proposed&pageSize=100', seen);
    const detail = await get(t, `/matches/${m}`, seen);
    expect(detail.status).toBe(200);
    await get(t, `/streams/${pair.supplyId}/matches`, seen);
    await get(t, `/streams/${pair.supplyId}/matches?explainRejections=true`, seen);
    await get(t, '/notifications', seen);
    await get(t, '/notifications/unread-count', seen);

    // What A does see: the anonymous shape of the design, with a redacted explanation.
    expect(detail.body.counterpart).toEqual({
      direction: 'demand',
      category: 'heat',
      region: 'BE-VOV',
      municipality: 'Zelzate',
      distanceKm: expect.any(Number),
      annualQuantity: { amount: 43000, unit: 'MWh/yr' },
      revealed: false,
    });
    expect(detail.body.counterpart.distanceKm % 5).toBe(0);
    expect(detail.body.demandStreamId).toBeNull();
    const twoFigures = (x: number) => Number(x.toPrecision(2)) === x;
    for (const x of [
      detail.body.estimate.exchangedQuantity.amount,
      detail.body.estimate.energySavedMWhPerYear,
      detail.body.estimate.co2AvoidedTonnesPerYear,
      detail.body.score,
    ]) {
      expect(twoFigures(x)).toBe(true);
    }
    const steps = detail.body.explanation.steps as { label: string; value: number | null }[];
    expect(steps.find((s) => s.label === 'demand_latitude')?.value).toBeNull();
    expect(steps.find((s) => s.label === 'supply_latitude')?.value).toBe(a.site.latitude);
    const notifications = (await get(t, '/notifications?pageSize=100', seen)).body.items as {
      matchId: string;
      kind: string;
      message: string;
    }[];
    expect(notifications.find((n) => n.matchId === m)).toMatchObject({
      kind: 'match_proposed',
      message: expect.stringContaining('Zelzate'),
    });

    // Actions and their errors.
    const interest = await post(
      t,
      `/matches/${m}/interest`,
      { version: 1, note: `Hello from ${a.company.name}` },
      seen,
    );
    expect(interest.status).toBe(200);
    expect(interest.body.status).toBe('proposed');
    expect(interest.body.agreedEstimate).toMatchObject({ explanation: { steps: expect.any(Array) } });
    expect((await post(t, `/matches/${m}/interest`, { version: 2 }, seen)).body.code).toBe(
      'ILLEGAL_TRANSITION',
    );
    expect((await post(t, `/matches/${m}/interest`, { version: 1 }, seen)).body.code).toBe(
      'VERSION_CONFLICT',
    );
    expect((await post(t, `/matches/${m}/approve`, { version: 2 }, seen)).status).toBe(403);
    expect((await post(t, `/matches/${m}/decline`, { version: 2, bogus: b.company.name }, seen)).status).toBe(
      400,
    );
    expect((await get(t, `/streams/${pair.demandId}`, seen)).status).toBe(404);
    expect((await get(t, `/streams/${pair.demandId}/matches`, seen)).status).toBe(404);
    expect((await get(t, `/sites/${b.site.id}`, seen)).status).toBe(404);
    expect((await get(t, `/companies/${b.company.id}`, seen)).status).toBe(404);
    await get(t, `/matches/${m}`, seen, 'GET detail after own interest');
    await get(t, '/matches', seen, 'GET list after own interest');

    // A pair the engine now rejects (B's need moved beyond a heat pump's lift): only the reason code.
    const broken = await insertMatchedPair(api.db, world);
    await api.db.query(
      `UPDATE streams SET quality = '{"temperatureC": 240, "medium": "steam"}' WHERE id = $1`,
      [broken.demandId],
    );
    const stale = await post(t, `/matches/${broken.matchId}/interest`, { version: 1 }, seen);
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('STALE_ESTIMATE');
    const brokenDetail = await get(t, `/matches/${broken.matchId}`, seen);
    expect(brokenDetail.body.explanation).toEqual({ rejected: expect.any(String) });

    // The dump: nothing of B's anywhere (titles carry the tag and B's name).
    const secrets = secretsOf(b, pair.demandId, /Borealis/, '43219.87');
    secrets.push(broken.demandId);
    expect(leaks(seen, secrets)).toEqual([]);
    expect(seen.length).toBeGreaterThanOrEqual(20);
  });

  it("officer B (demand side) never sees A's identity either — not even in A's note", async () => {
    const { a, b } = world;
    const seen: Collected[] = [];
    const t = b.token;
    const m = pair.matchId; // A said interest (with a note naming A) in the previous test.
    const detail = await get(t, `/matches/${m}`, seen);
    expect(detail.status).toBe(200);
    expect(detail.body.interest).toEqual({ supply: 'interested', demand: null });
    const event = (detail.body.events as { action: string; note: string | null; noteHidden?: string }[])[0];
    expect(event).toMatchObject({ action: 'interest', note: null, noteHidden: expect.any(String) });
    expect(
      detail.body.agreedEstimate.explanation.steps.find(
        (s: { label: string }) => s.label === 'supply_latitude',
      ).value,
    ).toBeNull();
    await get(t, '/matches', seen);
    await get(t, `/streams/${pair.demandId}/matches?explainRejections=true`, seen);
    const feed = await get(t, '/notifications?pageSize=100', seen);
    expect((feed.body.items as { kind: string; matchId: string }[]).map((n) => [n.kind, n.matchId])).toEqual(
      expect.arrayContaining([
        ['counterpart_interest', m],
        ['match_proposed', m],
      ]),
    );
    await get(t, '/notifications/unread-count', seen);
    expect((await post(t, `/matches/${m}/reject`, { version: 2 }, seen)).status).toBe(403);
    expect((await get(t, `/streams/${pair.supplyId}`, seen)).status).toBe(404);

    expect(leaks(seen, secretsOf(a, pair.supplyId, /Aurora/, '98765.43'))).toEqual([]);
  });

  it('a named listing shows its company from the start — and still nothing else', async () => {
    const { a, b } = world;
    const named = await insertMatchedPair(api.db, world, { demand: { visibility: 'named' } });
    const seen: Collected[] = [];
    const detail = await get(a.token, `/matches/${named.matchId}`, seen);
    expect(detail.body.counterpart).toMatchObject({ company: b.company.name, revealed: false });
    const secrets = secretsOf(b, named.demandId, /Borealis (tomato|secret|Zelzate)/, '43219.87').filter(
      (s) => s !== b.company.name,
    );
    expect(leaks(seen, secrets)).toEqual([]);
  });

  it('coordinators see both parties in full (the leak check would catch them)', async () => {
    const seen: Collected[] = [];
    const detail = await get(world.coordinator.token, `/matches/${pair.matchId}`, seen);
    expect(detail.body.supply).toMatchObject({ company: world.a.company.name, site: world.a.site.name });
    expect(detail.body.demand).toMatchObject({
      company: world.b.company.name,
      contactEmail: world.b.officer.email,
    });
    expect(leaks(seen, secretsOf(world.b, pair.demandId, /Borealis/, '43219.87')).length).toBeGreaterThan(3);
    // The coordinator sees A's note, and who wrote it.
    expect(detail.body.events[0]).toMatchObject({
      note: `Hello from ${world.a.company.name}`,
      actor: { role: 'officer', side: 'supply', userId: world.a.officer.id },
    });
  });

  it('after mutual interest both parties see each other: company, site and contact e-mail', async () => {
    const { a, b } = world;
    const res = await act(api, b.token, pair.matchId, 'interest', { version: 2, note: 'Borealis here' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('mutual_interest');
    expect(res.body.counterpart).toMatchObject({
      company: a.company.name,
      site: a.site.name,
      contactEmail: a.officer.email,
      streamId: pair.supplyId,
      revealed: true,
    });
    const forA = await request(api.url)
      .get(`${API}/matches/${pair.matchId}`)
      .set(bearer(a.token))
      .expect(200);
    expect(forA.body.counterpart).toMatchObject({
      company: b.company.name,
      site: b.site.name,
      contactEmail: b.officer.email,
      annualQuantity: { amount: 43219.8765 },
    });
    // And the notes of both sides are visible to both now.
    expect(forA.body.events.map((e: { note: string }) => e.note)).toEqual([
      `Hello from ${a.company.name}`,
      'Borealis here',
    ]);
  });
});
