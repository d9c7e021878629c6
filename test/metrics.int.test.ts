import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startGateway, type Gateway } from '../src/gateway.ts';
import { createLogger } from '../src/logger.ts';
import { OTHER_ENDPOINTS } from '../src/metrics/index.ts';
import type { DeliveryView, EndpointView } from '../src/publisher/index.ts';
import { createTestDatabase } from './helpers/database.ts';
import { ADMIN_TOKEN, deleteRedisPrefix, startTestGateway, testEnv, type TestGateway } from './helpers/gateway.ts';
import { metric, parseMetrics, scrape } from './helpers/metrics.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

type List<T> = { data: T[] };

describe('one process (all): counters by endpoint, capped labels, scrape-time gauges', () => {
  let gw: TestGateway;
  let ok: Awaited<ReturnType<typeof startReceiver>>;
  let failing: Awaited<ReturnType<typeof startReceiver>>;
  const ids: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

  beforeAll(async () => {
    gw = await startTestGateway('metrics_all', {
      METRICS_ENDPOINT_LABELS: '2',
      RETRY_SCHEDULE: '50ms',
      BREAKER_FAILURES: '2',
      BREAKER_OPEN_FOR: '1h',
    });
    ok = await startReceiver(() => ({ status: 204 }));
    failing = await startReceiver(() => ({ status: 500 }));
    for (const [name, url] of [['a', ok.url], ['b', failing.url], ['c', ok.url]] as const)
      ids[name] = (await gw.api<EndpointView>('/v1/endpoints', { body: { url: `${url}/${name}`, eventTypes: [`${name}.*`] } })).body.id;
  });
  afterAll(async () => {
    await ok?.close();
    await failing?.close();
    await gw?.stop();
  });

  async function deliver(type: string, count: number, done: DeliveryView['status']) {
    for (let i = 0; i < count; i++) expect((await gw.api(`/v1/events`, { body: { type, payload: { i } } })).status).toBe(202);
    const endpointId = ids[type[0] as 'a' | 'b' | 'c'];
    await waitFor(`${type} ${done}`, async () => {
      const { data } = (await gw.api<List<DeliveryView>>(`/v1/deliveries?endpointId=${endpointId}&status=${done}`)).body;
      return data.length === count ? data : undefined;
    });
  }

  it('counts publishes, attempts, failures and latency; endpoints past the cap are "other"', async () => {
    await deliver('a.created', 3, 'succeeded'); // endpoint a: first label
    await deliver('b.created', 1, 'dead'); // endpoint b: second label; 2 failures open its breaker
    await deliver('c.created', 2, 'succeeded'); // endpoint c: past the cap of 2
    const replay = await gw.api('/v1/events', { body: { type: 'a.other', payload: {}, idempotencyKey: 'k1' } });
    const again = await gw.api('/v1/events', { body: { type: 'a.other', payload: {}, idempotencyKey: 'k1' } });
    expect([replay.status, again.status]).toEqual([202, 202]);
    await waitFor('a.other delivered', async () => ok.requests.length === 6 || undefined);

    const samples = await waitFor('counters settled', async () => {
      const s = await scrape(gw.url!);
      return metric(s, 'messaging_consumed_total') === 8 ? s : undefined;
    });
    expect(metric(samples, 'messaging_published_total')).toBe(7); // the idempotent replay is not counted
    expect(metric(samples, 'messaging_delivery_attempts_total', { endpoint: ids.a, outcome: 'succeeded' })).toBe(4);
    expect(metric(samples, 'messaging_delivery_attempts_total', { endpoint: ids.b, outcome: 'failed' })).toBe(1);
    expect(metric(samples, 'messaging_delivery_attempts_total', { endpoint: ids.b, outcome: 'dead' })).toBe(1);
    expect(metric(samples, 'messaging_delivery_attempts_total', { endpoint: OTHER_ENDPOINTS, outcome: 'succeeded' })).toBe(2);
    expect(samples.some((s) => s.labels.endpoint === ids.c)).toBe(false);
    expect(metric(samples, 'messaging_failed_total', { reason: 'http_status' })).toBe(2);
    expect(metric(samples, 'messaging_processing_duration_count')).toBe(8);
    expect(metric(samples, 'messaging_delivery_attempt_duration_seconds_count', { endpoint: ids.a })).toBe(4);
    expect(metric(samples, 'messaging_delivery_attempt_duration_seconds_bucket', { endpoint: ids.a, le: '+Inf' })).toBe(4);

    // Gateway-wide state, read from Postgres and BullMQ at scrape time.
    expect(metric(samples, 'messaging_dead_letters')).toBe(1);
    expect(metric(samples, 'messaging_outbox_pending')).toBe(0);
    expect(metric(samples, 'messaging_breakers', { state: 'open' })).toBe(1);
    expect(metric(samples, 'messaging_breakers', { state: 'closed' })).toBe(2);
    expect(metric(samples, 'messaging_breaker_state', { endpoint: ids.b })).toBe(2);
    expect(metric(samples, 'messaging_breaker_state', { endpoint: ids.a })).toBeUndefined();
    expect(metric(samples, 'messaging_queue_depth', { state: 'wait' })).toBe(0);
    expect(metric(samples, 'messaging_metrics_source_up', { source: 'postgres' })).toBe(1);
    expect(metric(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('serves the text format, unauthenticated when no METRICS_TOKEN is set', async () => {
    const response = await fetch(`${gw.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('# TYPE messaging_processing_duration histogram');
    expect(text).toContain('# TYPE messaging_published_total counter');
    expect(parseMetrics(text).length).toBeGreaterThan(50);
  });
});

describe('separate api and worker processes', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: Record<string, string>;
  let api: Gateway;
  let worker: Gateway | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const TOKEN = 'metrics-token-0123456789';

  beforeAll(async () => {
    database = await createTestDatabase('metrics_roles');
    env = testEnv(database.url, { METRICS_TOKEN: TOKEN, METRICS_PORT: '0' });
    api = await startGateway({ config: loadConfig(env), role: 'api', logger: createLogger('silent') });
    receiver = await startReceiver(() => ({ status: 200 }));
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await receiver?.close();
    await deleteRedisPrefix(env.QUEUE_PREFIX!);
    await database?.drop();
  });

  async function call(path: string, body?: unknown) {
    const response = await fetch(`${api.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response;
  }

  it('requires METRICS_TOKEN when set', async () => {
    expect((await fetch(`${api.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(401);
    expect((await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('reports the outbox and queue before any worker runs, and the worker serves its counters on METRICS_PORT', async () => {
    expect((await call('/v1/endpoints', { url: `${receiver.url}/hook` })).status).toBe(201);
    for (let i = 0; i < 4; i++) expect((await call('/v1/events', { type: 'order.created', payload: { i } })).status).toBe(202);
    const before = await waitFor('queued', async () => {
      const s = await scrape(api.url!, TOKEN);
      return metric(s, 'messaging_queue_depth', { state: 'wait' }) === 4 ? s : undefined;
    });
    expect(metric(before, 'messaging_outbox_pending')).toBe(4);
    expect(metric(before, 'messaging_published_total')).toBe(4);
    expect(metric(before, 'messaging_consumed_total')).toBe(0);
    // The api process also serves its operations port.
    expect(api.metricsUrl).toBeDefined();
    expect((await fetch(`${api.metricsUrl}/metrics`)).status).toBe(401);

    worker = await startGateway({ config: loadConfig(env), role: 'worker', logger: createLogger('silent') });
    expect(worker.url).toBeUndefined();
    expect(worker.metricsUrl).toBeDefined();
    const after = await waitFor('drained', async () => {
      const s = await scrape(worker!.metricsUrl!, TOKEN);
      return metric(s, 'messaging_consumed_total') === 4 && metric(s, 'messaging_outbox_pending') === 0 ? s : undefined;
    });
    expect(metric(after, 'messaging_published_total')).toBe(0); // a worker publishes nothing
    expect(receiver.requests.length).toBe(4);
    const ready = await fetch(`${worker.metricsUrl}/readyz`);
    expect(ready.status).toBe(200);
  });
});

describe('METRICS_ENABLED=false', () => {
  it('serves no /metrics', async () => {
    const gw = await startTestGateway('metrics_off', { METRICS_ENABLED: 'false' }, 'api');
    try {
      expect((await gw.api('/readyz')).status).toBe(200);
      const response = await gw.api<{ error: { code: string } }>('/metrics');
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('route_not_found');
      expect(Object.keys((await gw.api<{ paths: Record<string, unknown> }>('/openapi.json')).body.paths)).not.toContain('/metrics');
    } finally {
      await gw.stop();
    }
  });
});
