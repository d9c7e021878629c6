import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterView, DeliveryView, EndpointView } from '../src/publisher/index.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

type List<T> = { data: T[]; nextCursor: string | null };
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway('isolation', {
    WORKER_CONCURRENCY: '20',
    DELIVERY_TIMEOUT: '1s',
    BREAKER_OPEN_FOR: '1s',
    RETRY_SCHEDULE: '200ms,200ms,200ms,200ms,200ms',
    REPLAY_ON_RECOVERY: 'true',
  });
});
afterAll(async () => {
  await gw?.stop();
});

describe('breaker isolation', () => {
  it('keeps a healthy endpoint flowing while another one hangs', async () => {
    const healthy = await startReceiver();
    const hanging = await startReceiver(() => ({ status: 200, delayMs: 60_000 }));
    await gw.api<EndpointView>('/v1/endpoints', { body: { url: healthy.url, eventTypes: ['iso.*'] } });
    const bad = await gw.api<EndpointView>('/v1/endpoints', { body: { url: hanging.url, eventTypes: ['iso.*'] } });
    // 200 events, each to both endpoints. Without a breaker the hanging endpoint would hold all 20
    // worker slots for 1 s per batch (~10 s); with it, its deliveries fail fast after the first timeouts.
    for (let batch = 0; batch < 4; batch++)
      await Promise.all(Array.from({ length: 50 }, (_, i) => gw.api('/v1/events', { body: { type: 'iso.event', payload: { batch, i } } })));
    const published = Date.now();
    await waitFor('all healthy deliveries', () => healthy.requests.length >= 200, 15_000, 20);
    // Measured from the last 202, so the time spent publishing on a busy machine does not count.
    expect(Date.now() - published).toBeLessThan(3_000);
    // The healthy deliveries may all be done before the first hanging requests time out (1 s).
    await waitFor(
      'the hanging endpoint\'s breaker to open',
      async () => ['open', 'half_open'].includes((await gw.api<{ state: string }>(`/v1/endpoints/${bad.body.id}/breaker`)).body.state),
      5_000,
      50,
    );
    // Only the requests admitted before the breaker opened, plus one trial at a time, reached it.
    expect(hanging.requests.length).toBeLessThanOrEqual(20 + 5);
    await healthy.close();
    await hanging.close();
  });

  it('replays the dead letters of the outage once the breaker closes again (REPLAY_ON_RECOVERY)', async () => {
    let up = false;
    const flaky = await startReceiver(() => (up ? { status: 200 } : { status: 503 }));
    // A per-endpoint override: a short open period, so retries reach the half-open trials.
    const ep = await gw.api<EndpointView>('/v1/endpoints', { body: { url: flaky.url, eventTypes: ['replay.*'], breaker: { openForMs: 300 } } });
    expect(ep.body.breaker).toEqual({ failures: null, openForMs: 300, successes: null });
    await Promise.all(Array.from({ length: 3 }, (_, i) => gw.api('/v1/events', { body: { type: 'replay.event', payload: { i } } })));
    await waitFor(
      'three dead letters',
      async () => (await gw.api<List<DeadLetterView>>(`/v1/dead-letters?endpointId=${ep.body.id}`)).body.data.length === 3,
      15_000,
      50,
    );
    up = true;
    // Two new events go through the two half-open trials and close the breaker; the dead letters follow.
    await gw.api('/v1/events', { body: { type: 'replay.event', payload: { after: 1 } } });
    await gw.api('/v1/events', { body: { type: 'replay.event', payload: { after: 2 } } });
    await waitFor(
      'every delivery succeeded',
      async () => {
        const list = await gw.api<List<DeliveryView>>(`/v1/deliveries?endpointId=${ep.body.id}`);
        return list.body.data.length === 5 && list.body.data.every((d) => d.status === 'succeeded');
      },
      15_000,
      50,
    );
    const open = await gw.api<List<DeadLetterView>>(`/v1/dead-letters?endpointId=${ep.body.id}`);
    expect(open.body.data).toHaveLength(0);
    const replayed = await gw.api<List<DeadLetterView>>(`/v1/dead-letters?endpointId=${ep.body.id}&status=redelivered`);
    expect(replayed.body.data).toHaveLength(3);
    await flaky.close();
  });
});
