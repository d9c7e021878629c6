import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.ts';
import { startGateway, type Gateway } from '../src/gateway.ts';
import { createLogger } from '../src/logger.ts';
import type { DeliveryView, EndpointView, EventView } from '../src/publisher/index.ts';
import { createTestDatabase } from './helpers/database.ts';
import { ADMIN_TOKEN, deleteRedisPrefix, testEnv, type ErrorBody } from './helpers/gateway.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

type Accepted = { id: string; correlationId: string };
type LogLine = Record<string, unknown> & { msg: string };

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let config: Config;
let gateway: Gateway;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let endpointId = '';
const logs: LogLine[] = [];

beforeAll(async () => {
  database = await createTestDatabase('correlation');
  config = loadConfig(testEnv(database.url, { RETRY_SCHEDULE: '50ms,50ms' }));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  gateway = await startGateway({ config, role: 'all', logger: createLogger('debug', {}, sink) });
  // Each new webhook fails once, then succeeds: every delivery has a retry.
  const seen = new Set<string>();
  receiver = await startReceiver((request) => {
    const id = String(request.headers['webhook-id']);
    if (seen.has(id)) return { status: 200 };
    seen.add(id);
    return { status: 503 };
  });
  endpointId = (await call<EndpointView>('/v1/endpoints', { body: { url: `${receiver.url}/hook` } })).body.id;
});
afterAll(async () => {
  await gateway?.close();
  await receiver?.close();
  await deleteRedisPrefix(config.queuePrefix);
  await database?.drop();
});

async function call<T>(path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: init.body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

/** The deliveries of an event once it succeeded, with every request the receiver got for them. */
async function delivered(eventId: string) {
  const delivery = await waitFor('delivered', async () => {
    const { data } = (await call<{ data: DeliveryView[] }>(`/v1/deliveries?eventId=${eventId}`)).body;
    return data[0]?.status === 'succeeded' ? data[0] : undefined;
  });
  return { delivery, requests: receiver.requests.filter((r) => r.headers['webhook-id'] === delivery.id) };
}

describe('X-Correlation-Id', () => {
  it('is accepted on publish, stored with the event, returned in the 202, sent with every attempt and redelivery, and logged', async () => {
    const correlationId = 'checkout-7f3a:order/1001@eu+retry=1_a.b';
    const accepted = await call<Accepted>('/v1/events', { body: { type: 'order.created', payload: { n: 1 } }, headers: { 'X-Correlation-Id': correlationId } });
    expect(accepted.status).toBe(202);
    expect(accepted.body.correlationId).toBe(correlationId);
    expect(accepted.headers.get('x-correlation-id')).toBe(correlationId);
    expect((await call<EventView>(`/v1/events/${accepted.body.id}`)).body.correlationId).toBe(correlationId);

    const { delivery, requests } = await delivered(accepted.body.id);
    expect(requests.length).toBe(2); // a 503, then the retry
    for (const request of requests) expect(request.headers['x-correlation-id']).toBe(correlationId);

    expect((await call(`/v1/deliveries/${delivery.id}/redeliver`, { body: {} })).status).toBe(202);
    await waitFor('redelivered', () => receiver.requests.filter((r) => r.headers['webhook-id'] === delivery.id).length === 3);
    expect(receiver.requests.at(-1)!.headers['x-correlation-id']).toBe(correlationId);

    // Logs: JSON lines with the webhook (delivery) id, endpoint id and correlation id.
    const ids = { webhookId: delivery.id, deliveryId: delivery.id, endpointId, eventId: accepted.body.id, correlationId };
    await waitFor('logged', () => logs.filter((l) => l.msg === 'delivered' && l.deliveryId === delivery.id).length === 2);
    expect(logs.find((l) => l.msg === 'event published' && l.eventId === accepted.body.id)).toMatchObject({ correlationId, deliveryIds: [delivery.id] });
    expect(logs.find((l) => l.msg === 'delivery attempt failed' && l.deliveryId === delivery.id)).toMatchObject({ ...ids, attempt: 1, status: 503 });
    expect(logs.find((l) => l.msg === 'delivered' && l.deliveryId === delivery.id)).toMatchObject({ ...ids, attempt: 2, status: 200 });
  });

  it('is generated when absent, and the field in the body works as the header does', async () => {
    const generated = await call<Accepted>('/v1/events', { body: { type: 'order.created', payload: {} } });
    expect(generated.status).toBe(202);
    expect(generated.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.headers.get('x-correlation-id')).toBe(generated.body.correlationId);
    const first = await delivered(generated.body.id);
    expect(first.requests.map((r) => r.headers['x-correlation-id'])).toEqual([generated.body.correlationId, generated.body.correlationId]);

    const fromBody = await call<Accepted>('/v1/events', { body: { type: 'order.created', payload: {}, correlationId: 'from-body' } });
    expect(fromBody.body.correlationId).toBe('from-body');
    expect((await delivered(fromBody.body.id)).requests[0]!.headers['x-correlation-id']).toBe('from-body');
  });

  it('refuses unsafe or overlong ids with 400 invalid_correlation_id and writes nothing', async () => {
    const count = async () => (await gateway.database.sql<{ count: number }[]>`select count(*)::int as count from events`)[0]!.count;
    const before = await count();
    for (const bad of ['has space', 'quote"d', '<script>', 'x'.repeat(201), 'semi;colon', 'tab\tin', 'ünï']) {
      const viaHeader = /^[\x20-\x7e]*$/.test(bad)
        ? await call<ErrorBody>('/v1/events', { body: { type: 'a.b', payload: {} }, headers: { 'X-Correlation-Id': bad } })
        : undefined;
      if (viaHeader) {
        expect(viaHeader.status, bad).toBe(400);
        expect(viaHeader.body.error.code).toBe('invalid_correlation_id');
      }
      const viaBody = await call<ErrorBody>('/v1/events', { body: { type: 'a.b', payload: {}, correlationId: bad } });
      expect(viaBody.status, bad).toBe(400);
      expect(viaBody.body.error.code).toMatch(/^(invalid_correlation_id|validation_failed)$/);
    }
    expect(await count()).toBe(before);
  });
});
