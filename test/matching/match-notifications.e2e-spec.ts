/**
 * New proposals are announced a little after the matches are readable, once per burst of stream jobs
 * (MATCH_NOTIFY_DELAY_MS, the throttled deliver-match-notifications job): an officer whose stream gains
 * several matches from a burst of new listings hears of them in one item, not one per listing.
 */
import { INestApplicationContext } from '@nestjs/common';
import { JobName, JobQueue, QueueName } from '@symbiose/core';
import request from 'supertest';
import { bearer, createTenant, SITE_LOCATIONS, tokenFor } from '../factories';
import { heatDemand, heatSupply } from '../streams-fixtures';
import { ApiHarness, pollUntil, startApi } from '../support/api-harness';
import { drain, isolatedConfig, obliterateQueues, startWorker } from '../support/worker-harness';

const API = '/api/v1';
// Long enough for the whole burst's jobs to fall in one window on a slow machine.
const DELAY_MS = 3000;

interface Item {
  kind: string;
  streamId: string | null;
  matchId: string | null;
  data: { count?: number };
}

describe('match notifications after a burst of stream jobs', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let queue: JobQueue;

  beforeAll(async () => {
    const config = await isolatedConfig('match_notify', { MATCH_NOTIFY_DELAY_MS: String(DELAY_MS) });
    api = await startApi({ DATABASE_URL: config.DATABASE_URL, QUEUE_PREFIX: config.QUEUE_PREFIX });
    queue = api.app.get(JobQueue);
    await obliterateQueues(queue);
    await api.db.query(`TRUNCATE matches, stream_match_state, streams, match_proposal_outbox CASCADE`);
    worker = await startWorker(config);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const feed = async (token: string) =>
    (await request(api.url).get(`${API}/notifications?pageSize=100`).set(bearer(token)).expect(200)).body
      .items as Item[];
  const deliveryJobs = async () =>
    (await queue.queue(QueueName.Matching).getJobs(['completed'])).filter(
      (job) => job?.name === JobName.DeliverMatchNotifications,
    ).length;
  const queued = async () =>
    Number((await api.db.query(`SELECT count(*) AS n FROM match_proposal_outbox`))[0].n);

  it('are delivered after the matches are readable, by one delivery for the burst, each stream once', async () => {
    const receiver = await createTenant(api.db, { location: SITE_LOCATIONS.zelzate });
    const receiverToken = tokenFor(api, receiver.officer);
    const demand = await request(api.url)
      .post(`${API}/streams`)
      .set(bearer(receiverToken))
      .send(heatDemand(receiver.sites[0].id))
      .expect(201);
    await drain(api.db, queue);
    const deliveriesBefore = await deliveryJobs();

    const suppliers = await Promise.all(
      Array.from({ length: 6 }, () => createTenant(api.db, { location: SITE_LOCATIONS.terneuzen })),
    );
    const supplies = await Promise.all(
      suppliers.map(
        async (s) =>
          (
            await request(api.url)
              .post(`${API}/streams`)
              .set(bearer(tokenFor(api, s.officer)))
              .send(heatSupply(s.sites[0].id))
              .expect(201)
          ).body as { id: string },
      ),
    );
    // The demand's six matches are readable while their announcement still waits in the outbox.
    await pollUntil(
      async () => {
        const res = await request(api.url)
          .get(`${API}/streams/${demand.body.id}/matches`)
          .set(bearer(receiverToken))
          .expect(200);
        return res.body.total === 6;
      },
      { what: 'the demand to have six matches' },
    );
    expect(await queued()).toBeGreaterThan(0);
    expect((await feed(receiverToken)).filter((n) => n.streamId === demand.body.id)).toEqual([]);

    await drain(api.db, queue);
    expect(await queued()).toBe(0);
    expect((await deliveryJobs()) - deliveriesBefore).toBe(1);
    // One item for the demand's six new matches, and one for each supplier about its own stream.
    const received = (await feed(receiverToken)).filter((n) => n.streamId === demand.body.id);
    expect(received).toEqual([
      expect.objectContaining({ kind: 'matches_proposed', data: expect.objectContaining({ count: 6 }) }),
    ]);
    for (const [i, s] of suppliers.entries()) {
      const own = (await feed(tokenFor(api, s.officer))).map((n) => [n.kind, n.streamId]);
      expect(own).toEqual([['match_proposed', supplies[i].id]]);
    }
  });
});
