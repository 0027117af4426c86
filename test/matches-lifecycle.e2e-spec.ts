/**
 * The whole match lifecycle from the two officers' and the coordinator's point of view, with a real
 * worker doing the matching: two companies list a heat supply and a heat demand through the API, the
 * worker pairs them, A and B say interest (names revealed at mutual interest), B edits its stream
 * (the match turns stale with a fresh estimate beside the agreed one), the coordinator approves on
 * the fresh numbers, activates and closes; every step is an event both parties can read.
 */
import { INestApplicationContext } from '@nestjs/common';
import { JobQueue } from '@symbiose/core';
import request from 'supertest';
import { createCompanies, createSites, createUsers, tokenFor, uniqueTag } from './factories';
import { act, API, bearer } from './matches-fixtures';
import { ApiHarness, pollUntil, startApi } from './support/api-harness';
import { drain, isolatedConfig, obliterateQueues, startWorker } from './support/worker-harness';

describe('match lifecycle with a real worker', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let queue: JobQueue;

  beforeAll(async () => {
    const config = await isolatedConfig('matches_lifecycle');
    api = await startApi({ DATABASE_URL: config.DATABASE_URL, QUEUE_PREFIX: config.QUEUE_PREFIX });
    queue = api.app.get(JobQueue);
    await obliterateQueues(queue);
    // This database is the suite's own: start every run from an empty market.
    await api.db.query(`TRUNCATE streams CASCADE`);
    worker = await startWorker(config);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  it('proposed → interest → mutual interest (revealed) → stale → approve → activate → close', async () => {
    const tag = uniqueTag();
    const [ca, cb] = await createCompanies(api.db, [
      { name: `Lifecycle Steelworks ${tag}`, country: 'BE' },
      { name: `Lifecycle District Heating ${tag}`, country: 'BE' },
    ]);
    const [sa, sb] = await createSites(api.db, [
      {
        companyId: ca.id,
        name: `Steelworks Kanaaldok ${tag}`,
        latitude: 51.1612,
        longitude: 3.7815,
        region: 'BE-VOV',
        municipality: 'Gent',
      },
      {
        companyId: cb.id,
        name: `Heat hub Evergem ${tag}`,
        latitude: 51.1189,
        longitude: 3.7098,
        region: 'BE-VOV',
        municipality: 'Evergem',
      },
    ]);
    const [oa, ob, coordinator] = await createUsers(api.db, [
      { role: 'officer', companyId: ca.id, email: `officer.a.${tag}@steelworks.test` },
      { role: 'officer', companyId: cb.id, email: `officer.b.${tag}@heating.test` },
      { role: 'coordinator' },
    ]);
    const A = tokenFor(api, oa);
    const B = tokenFor(api, ob);
    const C = tokenFor(api, coordinator);

    // 1. Both officers list their streams through the API (active: matching starts).
    const supply = await request(api.url)
      .post(`${API}/streams`)
      .set(bearer(A))
      .send({
        siteId: sa.id,
        direction: 'supply',
        category: 'heat',
        title: `Blast furnace cooling water ${tag}`,
        description: 'Hot water from the furnace cooling circuit',
        quantity: { amount: 120, unit: 'GWh/yr' },
        heat: { temperatureC: 95, medium: 'hot_water' },
        currentHandling: 'cooling_tower',
      })
      .expect(201);
    const demand = await request(api.url)
      .post(`${API}/streams`)
      .set(bearer(B))
      .send({
        siteId: sb.id,
        direction: 'demand',
        category: 'heat',
        title: `District heating base load ${tag}`,
        description: 'Base load of the Evergem network',
        quantity: { amount: 80000, unit: 'MWh/yr' },
        heat: { temperatureC: 75, medium: 'hot_water' },
        currentSource: 'natural_gas_boiler',
      })
      .expect(201);

    // 2. The worker matches them.
    await drain(api.db, queue);
    const listed = await pollUntil(
      async () => {
        const res = await request(api.url)
          .get(`${API}/streams/${supply.body.id}/matches`)
          .set(bearer(A))
          .expect(200);
        return (res.body.items as { id: string }[])[0];
      },
      { what: 'the worker to store the match' },
    );
    const id = listed.id;
    const path = `${API}/matches/${id}`;
    const view = async (token: string) =>
      (await request(api.url).get(path).set(bearer(token)).expect(200)).body;

    // Officers see an anonymous counterpart; the coordinator sees both sides.
    let a = await view(A);
    let b = await view(B);
    expect(a).toMatchObject({ status: 'proposed', version: 1, ownSide: 'supply', demandStreamId: null });
    expect(a.counterpart).toMatchObject({ municipality: 'Evergem', revealed: false });
    expect(JSON.stringify(a)).not.toContain(cb.name);
    expect(JSON.stringify(b)).not.toContain(ca.name);
    const c0 = await view(C);
    expect(c0.supply.company).toBe(ca.name);
    expect(c0.demand.company).toBe(cb.name);
    expect(c0.agreedEstimate).toBeNull();
    expect(c0.explanation.steps.length).toBeGreaterThan(5);
    const newFor = async (token: string) =>
      (
        (await request(api.url).get(`${API}/notifications?pageSize=100`).set(bearer(token)).expect(200)).body
          .items as { kind: string; matchId: string }[]
      )
        .filter((n) => n.matchId === id)
        .map((n) => n.kind);
    // Announced shortly after the match is readable (MATCH_NOTIFY_DELAY_MS), once per side.
    for (const token of [A, B]) {
      await pollUntil(async () => (await newFor(token)).length > 0, { what: 'the match to be announced' });
    }
    expect(await newFor(A)).toEqual(['match_proposed']);
    expect(await newFor(B)).toEqual(['match_proposed']);

    // 3. A is interested: B hears of it, still anonymously; the estimate is frozen as agreed.
    a = (await act(api, A, id, 'interest', { version: 1, note: 'We can deliver from Q3' }).expect(200)).body;
    expect(a).toMatchObject({
      status: 'proposed',
      version: 2,
      interest: { supply: 'interested', demand: null },
    });
    expect(await newFor(B)).toEqual(['counterpart_interest', 'match_proposed']);
    b = await view(B);
    expect(b.counterpart.revealed).toBe(false);
    expect(b.events).toEqual([
      expect.objectContaining({
        action: 'interest',
        from: 'proposed',
        to: 'proposed',
        note: null,
        actor: { role: 'officer', side: 'supply' },
      }),
    ]);
    const frozen = (await view(C)).agreedEstimate;
    expect(frozen).toMatchObject({ agreedOn: 'interest', explanation: { steps: expect.any(Array) } });

    // 4. B is interested too: mutual interest, and both see each other's company, site and contact.
    b = (await act(api, B, id, 'interest', { version: 2 }).expect(200)).body;
    expect(b.status).toBe('mutual_interest');
    expect(b.counterpart).toMatchObject({
      company: ca.name,
      site: sa.name,
      contactEmail: oa.email,
      revealed: true,
    });
    a = await view(A);
    expect(a.counterpart).toMatchObject({
      company: cb.name,
      site: sb.name,
      contactEmail: ob.email,
      revealed: true,
    });
    expect(a.events[0].note).toBe('We can deliver from Q3');
    expect(await newFor(C)).toEqual(['mutual_interest']);

    // 5. B halves its demand: the worker re-matches, the match keeps its status but turns stale,
    //    with the fresh estimate beside the agreed one.
    const streamB = (
      await request(api.url).get(`${API}/streams/${demand.body.id}`).set(bearer(B)).expect(200)
    ).body;
    await request(api.url)
      .patch(`${API}/streams/${demand.body.id}`)
      .set(bearer(B))
      .send({ version: streamB.version, quantity: { amount: 40000, unit: 'MWh/yr' } })
      .expect(200);
    await drain(api.db, queue);
    const staleView = await pollUntil(
      async () => {
        const v = await view(C);
        return v.stale ? v : null;
      },
      { what: 'the match to turn stale' },
    );
    expect(staleView).toMatchObject({
      status: 'mutual_interest',
      version: 3,
      flags: expect.arrayContaining(['stale']),
    });
    expect(staleView.agreedEstimate.exchangedQuantity.amount).toBe(frozen.exchangedQuantity.amount);
    expect(staleView.estimate.exchangedQuantity.amount).toBeLessThan(frozen.exchangedQuantity.amount);
    expect((await view(A)).agreedEstimate).toEqual(staleView.agreedEstimate);

    // 6. The coordinator must accept the fresh estimate to approve.
    const refused = await act(api, C, id, 'approve', { version: 3 }).expect(409);
    expect(refused.body.code).toBe('STALE_ESTIMATE');
    const approved = (
      await act(api, C, id, 'approve', {
        version: 3,
        acceptFreshEstimate: true,
        note: 'Approved on the halved demand',
      }).expect(200)
    ).body;
    expect(approved).toMatchObject({ status: 'approved', version: 4, stale: false });
    expect(approved.agreedEstimate).toMatchObject({
      agreedOn: 'approve',
      exchangedQuantity: approved.estimate.exchangedQuantity,
      co2AvoidedTonnesPerYear: approved.estimate.co2AvoidedTonnesPerYear,
    });

    // 7. Activate and close; a replay of an old version changes nothing.
    await act(api, C, id, 'activate', { version: 4 }).expect(200);
    await act(api, C, id, 'activate', { version: 4 }).expect(409);
    const closed = (await act(api, C, id, 'close', { version: 5, note: 'Contract ended' }).expect(200)).body;
    expect(closed).toMatchObject({ status: 'closed', version: 6 });

    // 8. The audit trail, as each party sees it.
    const trail = [
      ['interest', 'proposed', 'proposed'],
      ['interest', 'proposed', 'mutual_interest'],
      ['approve', 'mutual_interest', 'approved'],
      ['activate', 'approved', 'active'],
      ['close', 'active', 'closed'],
    ];
    for (const token of [A, B, C]) {
      const events = (await view(token)).events as { action: string; from: string; to: string; at: string }[];
      expect(events.map((e) => [e.action, e.from, e.to])).toEqual(trail);
      expect(events.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
    }
    const staffEvents = (await view(C)).events as { actor: { userId: string } }[];
    expect(staffEvents.map((e) => e.actor.userId)).toEqual([
      oa.id,
      ob.id,
      coordinator.id,
      coordinator.id,
      coordinator.id,
    ]);
    expect((await view(A)).events[0].actor).toEqual({ role: 'officer', side: 'supply' });
    expect(await newFor(A)).toEqual([
      'match_closed',
      'match_activated',
      'match_approved',
      'mutual_interest',
      'match_proposed',
    ]);
  });
});
