import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptView, DeadLetterView, DeliveryView, EndpointView, EventView } from '../src/publisher/index.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startReceiver, type ReceivedRequest, type Reply } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

type Created = EndpointView & { secret: string };
type Accepted = { id: string; eventId: string; deliveries: number; correlationId: string };
type List<T> = { data: T[]; nextCursor: string | null };
type DeliveryDetail = DeliveryView & { attempts: AttemptView[] };

const dlqFile = join(tmpdir(), `dlq-${process.pid}-${Date.now()}.jsonl`);
let gw: TestGateway;

beforeAll(async () => {
  // The breaker has its own tests; here it must not open during the retry and dead-letter scenarios.
  gw = await startTestGateway('pipeline', { DLQ_FILE: dlqFile, BREAKER_FAILURES: '1000' });
});
afterAll(async () => {
  await gw?.stop();
  await rm(dlqFile, { force: true });
});

async function endpoint(url: string, eventTypes?: string[]): Promise<Created> {
  const { status, body } = await gw.api<Created>('/v1/endpoints', { body: { url, eventTypes } });
  expect(status).toBe(201);
  return body;
}

async function publish(type: string, payload: unknown, headers: Record<string, string> = {}): Promise<Accepted> {
  const { status, body } = await gw.api<Accepted>('/v1/events', { body: { type, payload }, headers });
  expect(status).toBe(202);
  return body;
}

async function deliveryOf(eventId: string, endpointId: string): Promise<DeliveryDetail> {
  const list = await gw.api<List<DeliveryView>>(`/v1/deliveries?eventId=${eventId}&endpointId=${endpointId}`);
  const first = list.body.data[0];
  if (!first) throw new Error('no delivery');
  return (await gw.api<DeliveryDetail>(`/v1/deliveries/${first.id}`)).body;
}

function headersOf(request: ReceivedRequest): Record<string, string> {
  return Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
}

describe('delivery pipeline', () => {
  it('delivers a signed webhook that the standardwebhooks library verifies, promptly after the 202', async () => {
    const receiver = await startReceiver();
    const ep = await endpoint(`${receiver.url}/hooks?x=1`, ['order.created']);
    const before = Date.now();
    const event = await publish('order.created', { orderId: 42, items: ['a'] }, { 'x-correlation-id': 'corr-123' });
    const accepted = Date.now();
    await waitFor('the webhook', () => receiver.requests.length === 1);
    const request = receiver.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks?x=1');
    expect(request.at - accepted).toBeLessThan(1_000);

    const headers = headersOf(request);
    const verified = new Webhook(ep.secret).verify(request.body, headers) as { id: string; type: string; data: unknown };
    expect(verified).toMatchObject({ id: event.id, type: 'order.created', data: { orderId: 42, items: ['a'] } });
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-correlation-id']).toBe('corr-123');
    expect(headers['x-webhook-id']).toBe(headers['webhook-id']);
    expect(headers['x-webhook-timestamp']).toBe(headers['webhook-timestamp']);
    expect(headers['x-webhook-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(Number(headers['webhook-timestamp'])).toBeGreaterThanOrEqual(Math.floor(before / 1000));

    const delivery = await waitFor('success recorded', async () => {
      const d = await deliveryOf(event.id, ep.id);
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(delivery.id).toBe(headers['webhook-id']);
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ attemptNumber: 1, trigger: 'scheduled', outcome: 'succeeded', statusCode: 200 });
    await receiver.close();
  });

  it('starts the first attempt within ~100 ms of the 202 when the workers are idle', async () => {
    const receiver = await startReceiver();
    await endpoint(receiver.url, ['idle.ping']);
    const gaps: number[] = [];
    for (let i = 0; i < 7; i++) {
      await publish('idle.ping', { i });
      const accepted = Date.now();
      await waitFor('ping', () => receiver.requests.length === i + 1, 5_000, 1);
      gaps.push(receiver.requests[i]!.at - accepted);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const median = [...gaps].sort((a, b) => a - b)[3]!;
    expect(median, `202-to-request gaps: ${gaps.join(', ')} ms`).toBeLessThan(100);
    await receiver.close();
  });

  it('fans out only to endpoints whose filter matches (exact and wildcard)', async () => {
    const receiver = await startReceiver();
    const exact = await endpoint(`${receiver.url}/exact`, ['invoice.paid']);
    const wildcard = await endpoint(`${receiver.url}/wildcard`, ['invoice.*']);
    const deep = await endpoint(`${receiver.url}/other`, ['shipment.*', 'invoice.refund.created']);
    const event = await publish('invoice.paid', { n: 1 });
    const refund = await publish('invoice.refund.created', { n: 2 });
    expect(event.deliveries).toBe(2);
    expect(refund.deliveries).toBe(2);
    await waitFor('four webhooks', () => receiver.requests.length === 4);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const paths = receiver.requests.map((r) => `${r.path} ${(JSON.parse(r.body) as { type: string }).type}`).sort();
    expect(paths).toEqual(['/exact invoice.paid', '/other invoice.refund.created', '/wildcard invoice.paid', '/wildcard invoice.refund.created']);
    const detail = await gw.api<EventView & { deliveries: DeliveryView[] }>(`/v1/events/${event.id}`);
    expect(detail.body.deliveries.map((d) => d.endpointId).sort()).toEqual([exact.id, wildcard.id].sort());
    expect(deep.id).toBeTruthy();
    await receiver.close();
  });

  it('returns the original event for a repeated idempotency key and creates nothing new', async () => {
    const receiver = await startReceiver();
    await endpoint(receiver.url, ['payment.captured']);
    const first = await publish('payment.captured', { amount: 10 }, { 'idempotency-key': 'pay-1' });
    const again = await gw.api<Accepted>('/v1/events', { body: { type: 'payment.captured', payload: { amount: 10 }, idempotencyKey: 'pay-1' } });
    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await waitFor('one webhook', () => receiver.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(1);
    // Concurrent requests with one key (written in one batch, or racing across batches) get one event.
    const racing = await Promise.all(
      Array.from({ length: 6 }, () => gw.api<Accepted>('/v1/events', { body: { type: 'payment.captured', payload: { amount: 20 } }, headers: { 'idempotency-key': 'pay-2' } })),
    );
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    expect(racing.every((r) => r.status === 202)).toBe(true);
    await waitFor('two webhooks', () => receiver.requests.length === 2);
    const events = await gw.api<List<EventView>>('/v1/events?type=payment.captured');
    expect(events.body.data).toHaveLength(2);
    await receiver.close();
  });

  it('retries on the schedule: fails twice, then succeeds on the third request with 3 attempts recorded', async () => {
    const receiver = await startReceiver((_, index) => (index < 2 ? { status: 503, body: 'busy' } : { status: 204 }));
    const ep = await endpoint(receiver.url, ['retry.test']);
    const event = await publish('retry.test', { x: 1 });
    await waitFor('three requests', () => receiver.requests.length === 3, 10_000);
    const [a, b, c] = receiver.requests.map((r) => r.at) as [number, number, number];
    // Schedule 100ms, 200ms: each gap is at least the scheduled delay.
    expect(b - a).toBeGreaterThanOrEqual(95);
    expect(c - b).toBeGreaterThanOrEqual(195);
    const ids = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const delivery = await waitFor('success', async () => {
      const d = await deliveryOf(event.id, ep.id);
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(delivery.attempts.map((x) => [x.attemptNumber, x.outcome, x.statusCode])).toEqual([
      [1, 'failed', 503],
      [2, 'failed', 503],
      [3, 'succeeded', 204],
    ]);
    expect(delivery.attempts[0]?.responseBody).toBe('busy');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests).toHaveLength(3);
    await receiver.close();
  });

  it('dead-letters after 6 failed attempts, mirrors to JSONL, and bulk redelivery succeeds with the same webhook-id', async () => {
    let healthy = false;
    const receiver = await startReceiver((): Reply => (healthy ? { status: 200 } : { status: 500, body: 'down' }));
    const ep = await endpoint(receiver.url, ['dlq.test']);
    const event = await publish('dlq.test', { y: 2 });
    const dead = await waitFor(
      'dead letter',
      async () => (await gw.api<List<DeadLetterView>>(`/v1/dead-letters?endpointId=${ep.id}`)).body.data[0],
      10_000,
    );
    expect(receiver.requests).toHaveLength(6);
    expect(dead).toMatchObject({ eventId: event.id, reason: 'exhausted', attempts: 6, lastStatusCode: 500, status: 'open' });
    const delivery = await deliveryOf(event.id, ep.id);
    expect(delivery.status).toBe('dead');
    expect(delivery.nextAttemptAt).toBeNull();
    const lines = (await readFile(dlqFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.id === dead.id)).toMatchObject({ deliveryId: dead.deliveryId, payload: { y: 2 }, reason: 'exhausted' });

    healthy = true;
    const redelivered = await gw.api<{ count: number }>('/v1/dead-letters/redeliver', { body: { endpointId: ep.id } });
    expect(redelivered.status).toBe(202);
    expect(redelivered.body.count).toBe(1);
    await waitFor('redelivered webhook', () => receiver.requests.length === 7);
    expect(receiver.requests[6]?.headers['webhook-id']).toBe(receiver.requests[0]?.headers['webhook-id']);
    const after = await waitFor('succeeded', async () => {
      const d = await deliveryOf(event.id, ep.id);
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(after.series).toBe(2);
    expect(after.attempts.at(-1)).toMatchObject({ series: 2, attemptNumber: 1, trigger: 'manual', outcome: 'succeeded' });
    const status = await gw.api<DeadLetterView>(`/v1/dead-letters/${dead.id}`);
    expect(status.body.status).toBe('redelivered');
    const again = await gw.api<{ count: number }>('/v1/dead-letters/redeliver', { body: { ids: [dead.id] } });
    expect(again.body.count).toBe(0);
    await receiver.close();
  });

  it('redelivers a succeeded delivery on demand as a manual attempt with the same webhook-id', async () => {
    const receiver = await startReceiver();
    const ep = await endpoint(receiver.url, ['manual.test']);
    const event = await publish('manual.test', {});
    await waitFor('first', () => receiver.requests.length === 1);
    const delivery = await waitFor('succeeded', async () => {
      const d = await deliveryOf(event.id, ep.id);
      return d.status === 'succeeded' ? d : undefined;
    });
    const response = await gw.api<{ id: string; series: number }>(`/v1/deliveries/${delivery.id}/redeliver`, { method: 'POST' });
    expect(response.status).toBe(202);
    await waitFor('second', () => receiver.requests.length === 2);
    expect(receiver.requests[1]?.headers['webhook-id']).toBe(delivery.id);
    const after = await waitFor('manual attempt recorded', async () => {
      const d = await deliveryOf(event.id, ep.id);
      return d.attempts.length === 2 && d.status === 'succeeded' ? d : undefined;
    });
    expect(after.attempts[1]).toMatchObject({ series: 2, attemptNumber: 1, trigger: 'manual' });
    await receiver.close();
  });

  it('records a timeout, an unfollowed redirect and a truncated response body as attempts', async () => {
    const target = await startReceiver();
    const slow = await startReceiver(() => ({ status: 200, delayMs: 5_000 }));
    const redirect = await startReceiver(() => ({ status: 302, headers: { location: `${target.url}/elsewhere` } }));
    const chatty = await startReceiver(() => ({ status: 500, body: 'e'.repeat(50_000) }));
    const eps = await Promise.all([slow, redirect, chatty].map((r) => endpoint(r.url, ['attempt.kinds'])));
    const event = await publish('attempt.kinds', {});
    const first = async (ep: Created) =>
      waitFor('first attempt', async () => (await deliveryOf(event.id, ep.id)).attempts[0], 10_000, 50);
    const [timedOut, redirected, truncated] = await Promise.all(eps.map(first));
    expect(timedOut).toMatchObject({ outcome: 'failed', errorCode: 'timeout', statusCode: null });
    expect(timedOut!.durationMs).toBeGreaterThanOrEqual(1_900); // DELIVERY_TIMEOUT=2s in tests
    expect(timedOut!.durationMs).toBeLessThan(4_000);
    expect(redirected).toMatchObject({ outcome: 'failed', errorCode: 'redirect', statusCode: 302 });
    expect(redirected!.error).toContain('/elsewhere');
    expect(target.requests).toHaveLength(0);
    expect(truncated).toMatchObject({ outcome: 'failed', errorCode: 'http_status', statusCode: 500 });
    expect(truncated!.responseBody).toHaveLength(4096);
    for (const r of [target, slow, redirect, chatty]) await r.close();
  });

  it('sends a permanent 4xx straight to the dead letters, and disables the endpoint on 410 Gone', async () => {
    const bad = await startReceiver(() => ({ status: 422 }));
    const gone = await startReceiver(() => ({ status: 410 }));
    const badEp = await endpoint(bad.url, ['perm.test']);
    const goneEp = await endpoint(gone.url, ['perm.test']);
    await publish('perm.test', {});
    await waitFor('both dead', async () => {
      const list = await gw.api<List<DeadLetterView>>('/v1/dead-letters');
      return list.body.data.filter((d) => d.endpointId === badEp.id || d.endpointId === goneEp.id).length === 2;
    });
    expect(bad.requests).toHaveLength(1);
    expect(gone.requests).toHaveLength(1);
    const reasons = (await gw.api<List<DeadLetterView>>('/v1/dead-letters')).body.data
      .filter((d) => d.endpointId === badEp.id || d.endpointId === goneEp.id)
      .map((d) => [d.endpointId === badEp.id ? 'bad' : 'gone', d.reason])
      .sort();
    expect(reasons).toEqual([
      ['bad', 'permanent_status'],
      ['gone', 'endpoint_gone'],
    ]);
    const goneNow = await gw.api<EndpointView>(`/v1/endpoints/${goneEp.id}`);
    expect(goneNow.body.enabled).toBe(false);
    expect(goneNow.body.disabledReason).toContain('410');
    const next = await publish('perm.test', {});
    expect(next.deliveries).toBe(1);
    await bad.close();
    await gone.close();
  });
});
