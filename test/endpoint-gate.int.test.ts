import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointView } from '../src/publisher/index.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway('endpoint_gate', {
    WORKER_CONCURRENCY: '20',
    ENDPOINT_CONCURRENCY: '3',
    ENDPOINT_SLOW_AFTER: '200ms',
    DELIVERY_TIMEOUT: '6s',
    // The breaker stays out of it: this is about worker slots alone.
    BREAKER_FAILURES: '1000',
  });
});
afterAll(async () => {
  await gw?.stop();
});

describe('per-endpoint concurrency', () => {
  it('keeps a hanging endpoint to ENDPOINT_CONCURRENCY requests, so a healthy one gets the rest of the worker', async () => {
    const healthy = await startReceiver();
    const hanging = await startReceiver(() => ({ status: 200, delayMs: 60_000 }));
    await gw.api<EndpointView>('/v1/endpoints', { body: { url: hanging.url, eventTypes: ['gate.*'] } });
    await gw.api<EndpointView>('/v1/endpoints', { body: { url: healthy.url, eventTypes: ['gate.*'] } });
    // 200 events, each to both endpoints: without the limit the hanging endpoint would take all 20
    // slots within milliseconds and hold them for the 6 s timeout.
    for (let batch = 0; batch < 4; batch++)
      await Promise.all(Array.from({ length: 50 }, (_, i) => gw.api('/v1/events', { body: { type: 'gate.event', payload: { batch, i } } })));
    const published = Date.now();
    await waitFor('all healthy deliveries', () => healthy.requests.length >= 200, 20_000, 20);
    // Well before the first hanging request could time out.
    expect(Date.now() - published).toBeLessThan(4_000);
    expect(hanging.requests.length).toBe(3);
    const pending = await gw.api<{ data: unknown[] }>('/v1/deliveries?status=pending&limit=200');
    // The hanging endpoint's deliveries wait as they were: deferred jobs are not attempts.
    expect(pending.body.data.length).toBeGreaterThanOrEqual(190);
    await healthy.close();
    await hanging.close();
  }, 30_000);
});
