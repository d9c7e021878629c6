/**
 * The Supabase edge functions end to end: real Deno processes started as the SPEC documents
 * (`deno run -A supabase/functions/<name>/index.ts` with PORT, WEBHOOK_SECRET, SUPABASE_DB_URL),
 * a Postgres database with the supabase migration applied, the real gateway delivering to them,
 * and a local HTTP server standing in for the email provider.
 */
import { randomUUID } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptView, DeliveryView, EndpointView } from '../src/publisher/index.ts';
import { PROCESSED_WEBHOOKS_DDL } from '../src/receiver/index.ts';
import { buildWebhookHeaders } from '../src/signature/index.ts';
import { createTestDatabase } from './helpers/database.ts';
import { applySupabaseMigrations, freePort, readSupabaseMigrations, startEdgeFunction, type EdgeFunction } from './helpers/edge-function.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startReceiver, type ReceivedRequest } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

type Created = EndpointView & { secret: string };
type Accepted = { id: string; deliveries: number };
type List<T> = { data: T[] };
type DeliveryDetail = DeliveryView & { attempts: AttemptView[] };
type ErrorBody = { error: { code: string; message: string } };

const BREAKER_OPEN_FOR_MS = 1_000;

let gw: TestGateway;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: Sql;
let provider: Awaited<ReturnType<typeof startReceiver>>;
let logger: EdgeFunction;
let notifier: EdgeFunction;
let loggerEndpoint: Created;
let notifierEndpoint: Created;

/** The email provider's state: down answers 500, up answers 200 `{id}`. */
let providerUp = false;
const providerAnswers: { webhookId: string; status: number; messageId: string | null }[] = [];

beforeAll(async () => {
  [gw, database, provider] = await Promise.all([
    startTestGateway('edge_fn_gw', {
      // The gateway's own breaker must stay out of the way; the notifier's is under test.
      BREAKER_FAILURES: '1000',
      RETRY_SCHEDULE: Array.from({ length: 25 }, () => '200ms').join(','),
      RETRY_AFTER_MAX: '2s',
      ALLOW_PRIVATE_TARGETS: 'true',
    }),
    createTestDatabase('edge_fn'),
    startReceiver((request) => {
      const webhookId = headerOf(request, 'idempotency-key');
      if (!providerUp) {
        providerAnswers.push({ webhookId, status: 500, messageId: null });
        return { status: 500, body: 'provider down' };
      }
      const messageId = `msg_${providerAnswers.length}`;
      providerAnswers.push({ webhookId, status: 200, messageId });
      return { status: 200, body: JSON.stringify({ id: messageId }), headers: { 'content-type': 'application/json' } };
    }),
  ]);
  sql = postgres(database.url, { max: 2, onnotice: () => {} });
  await applySupabaseMigrations(sql);

  const [loggerPort, notifierPort] = await Promise.all([freePort(), freePort()]);
  loggerEndpoint = await endpoint(`http://127.0.0.1:${loggerPort}/functions/v1/webhook-event-logger`, ['order.*']);
  notifierEndpoint = await endpoint(`http://127.0.0.1:${notifierPort}/functions/v1/webhook-external-notifier`, ['user.*']);
  [logger, notifier] = await Promise.all([
    startEdgeFunction('webhook-event-logger', loggerPort, { WEBHOOK_SECRET: loggerEndpoint.secret, SUPABASE_DB_URL: database.url }),
    startEdgeFunction('webhook-external-notifier', notifierPort, {
      // An old secret first: rotation lists are comma-separated and any one may match.
      WEBHOOK_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')},${notifierEndpoint.secret}`,
      SUPABASE_DB_URL: database.url,
      EMAIL_API_URL: `${provider.url}/emails`,
      EMAIL_API_KEY: 'test-email-key',
      EMAIL_TIMEOUT_MS: '1000',
      BREAKER_OPEN_FOR_MS: String(BREAKER_OPEN_FOR_MS),
    }),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([logger?.stop(), notifier?.stop()]);
  await sql?.end({ timeout: 1 });
  await provider?.close();
  await database?.drop();
  await gw?.stop();
}, 30_000);

function headerOf(request: ReceivedRequest, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

async function endpoint(url: string, eventTypes: string[]): Promise<Created> {
  const { status, body } = await gw.api<Created>('/v1/endpoints', { body: { url, eventTypes } });
  expect(status).toBe(201);
  return body;
}

async function publish(type: string, payload: unknown): Promise<Accepted> {
  const { status, body } = await gw.api<Accepted>('/v1/events', { body: { type, payload } });
  expect(status).toBe(202);
  return body;
}

async function deliveryOf(eventId: string, endpointId: string): Promise<DeliveryDetail> {
  const list = await gw.api<List<DeliveryView>>(`/v1/deliveries?eventId=${eventId}&endpointId=${endpointId}`);
  const first = list.body.data[0];
  if (!first) throw new Error(`no delivery for event ${eventId}`);
  return (await gw.api<DeliveryDetail>(`/v1/deliveries/${first.id}`)).body;
}

/** Signs `body` as the gateway would and POSTs it, optionally with another body than the signed one. */
async function sendSigned(
  fn: EdgeFunction,
  secret: string,
  options: { webhookId?: string; body?: string; sentBody?: string; timestamp?: number } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const webhookId = options.webhookId ?? `msg_${randomUUID()}`;
  const body = options.body ?? JSON.stringify({ id: randomUUID(), type: 'order.created', timestamp: new Date().toISOString(), data: { n: 1 } });
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers = await buildWebhookHeaders({ webhookId, timestamp, body, secrets: [secret] });
  const response = await fetch(fn.url, { method: 'POST', headers, body: options.sentBody ?? body });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

async function storedEvents(webhookId: string): Promise<{ event_id: string | null; payload: { data: unknown } }[]> {
  return sql`select event_id, payload from webhook_events where webhook_id = ${webhookId}`;
}

async function claimCount(webhookId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from processed_webhooks where webhook_id = ${webhookId}`;
  return row?.n ?? 0;
}

describe('supabase migration', () => {
  it('creates processed_webhooks exactly as the receiver library defines it', async () => {
    expect(await readSupabaseMigrations()).toContain(PROCESSED_WEBHOOKS_DDL.trim());
  });
});

describe('webhook-event-logger', () => {
  let delivery: DeliveryDetail;

  it('stores an event published to the gateway once, and the gateway records the delivery as succeeded', async () => {
    const event = await publish('order.created', { orderId: 42 });
    delivery = await waitFor('the delivery to succeed', async () => {
      const d = await deliveryOf(event.id, loggerEndpoint.id);
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]).toMatchObject({ outcome: 'succeeded', statusCode: 200 });

    const rows = await storedEvents(delivery.webhookId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_id: event.id, payload: { data: { orderId: 42 } } });
    const [claim] = await sql<{ status: string }[]>`select status from processed_webhooks where webhook_id = ${delivery.webhookId}`;
    expect(claim?.status).toBe('processed');
  });

  it('acknowledges a redelivery with the same webhook id as a duplicate and stores nothing again', async () => {
    const { status } = await gw.api(`/v1/deliveries/${delivery.id}/redeliver`, { method: 'POST' });
    expect(status).toBe(202);
    const redelivered = await waitFor('the redelivery to succeed', async () => {
      const d = (await gw.api<DeliveryDetail>(`/v1/deliveries/${delivery.id}`)).body;
      return d.attempts.some((a) => a.series === 2 && a.outcome === 'succeeded') ? d : undefined;
    });
    const second = redelivered.attempts.find((a) => a.series === 2);
    expect(second).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(second?.responseBody ?? '{}')).toEqual({ duplicate: true });

    // A copy of the same webhook id sent directly, even with another (correctly signed) body.
    const direct = await sendSigned(logger, loggerEndpoint.secret, { webhookId: delivery.webhookId });
    expect(direct).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(await storedEvents(delivery.webhookId)).toHaveLength(1);
  });

  it('stores a directly resent signed request once and answers the resend as a duplicate', async () => {
    const webhookId = `msg_${randomUUID()}`;
    const body = JSON.stringify({ id: 'evt_direct', type: 'order.paid', timestamp: new Date().toISOString(), data: { paid: true } });
    const first = await sendSigned(logger, loggerEndpoint.secret, { webhookId, body });
    const again = await sendSigned(logger, loggerEndpoint.secret, { webhookId, body });
    expect(first).toMatchObject({ status: 200, body: { ok: true } });
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(await storedEvents(webhookId)).toEqual([{ event_id: 'evt_direct', payload: expect.objectContaining({ data: { paid: true } }) }]);
  });

  it('rejects a tampered body with 401 and stores nothing', async () => {
    const webhookId = `msg_${randomUUID()}`;
    const body = JSON.stringify({ id: 'evt_t', type: 'order.created', timestamp: new Date().toISOString(), data: { amount: 10 } });
    const response = await sendSigned(logger, loggerEndpoint.secret, { webhookId, body, sentBody: body.replace('10', '10000') });
    expect(response.status).toBe(401);
    expect((response.body as ErrorBody).error.code).toBe('invalid_signature');
    expect(await storedEvents(webhookId)).toHaveLength(0);
    expect(await claimCount(webhookId)).toBe(0);
  });

  it('rejects a stale timestamp (10 minutes old) with 401 and stores nothing', async () => {
    const webhookId = `msg_${randomUUID()}`;
    const response = await sendSigned(logger, loggerEndpoint.secret, { webhookId, timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(response.status).toBe(401);
    expect((response.body as ErrorBody).error.code).toBe('timestamp_too_old');
    expect(await storedEvents(webhookId)).toHaveLength(0);
    expect(await claimCount(webhookId)).toBe(0);
  });

  it('rejects a request without signature headers with 400', async () => {
    const response = await fetch(logger.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe('missing_header');
  });
});

describe('webhook-external-notifier', () => {
  type BreakerRow = { state: string; failures: number; version: number };
  type NotificationRow = { webhook_id: string; status: string; provider_message_id: string | null; attempts: number; recipient: string };

  const breakerRow = async (): Promise<BreakerRow | undefined> =>
    (await sql<BreakerRow[]>`select state, failures, version from edge_circuit_breakers`)[0];

  it('opens its breaker on a failing provider, answers 503 without calling it, and sends each email once after recovery', async () => {
    const events = await Promise.all([1, 2, 3].map((n) => publish('user.signed_up', { email: `user${n}@example.test`, n })));

    // Five provider failures open the breaker.
    const opened = await waitFor('the breaker to open', async () => {
      const row = await breakerRow();
      return row?.state === 'open' ? row : undefined;
    });
    expect(opened.failures).toBe(5);
    const [openTransition] = await sql<{ reason: string }[]>`
      select reason from edge_circuit_breaker_transitions where from_state = 'closed' and to_state = 'open'`;
    expect(openTransition?.reason).toBe('failure_threshold');

    // While open, a webhook is answered 503 with Retry-After and the provider is not called.
    const callsBefore = provider.requests.length;
    const directId = `msg_${randomUUID()}`;
    const directBody = JSON.stringify({ id: 'evt_n', type: 'user.deleted', timestamp: new Date().toISOString(), data: { email: 'direct@example.test' } });
    const rejected = await sendSigned(notifier, notifierEndpoint.secret, { webhookId: directId, body: directBody });
    expect(rejected.status).toBe(503);
    expect((rejected.body as ErrorBody).error.code).toBe('circuit_open');
    expect(Number(rejected.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(rejected.headers.get('retry-after'))).toBeLessThanOrEqual(BREAKER_OPEN_FOR_MS / 1000);
    expect(provider.requests.length).toBe(callsBefore);
    expect((await breakerRow())?.version).toBe(opened.version);
    expect(await claimCount(directId)).toBe(0);

    // The gateway records the failed attempts and keeps retrying, some of them rejected by the open breaker.
    const pending = await waitFor('failed attempts with a circuit_open answer', async () => {
      const deliveries = await Promise.all(events.map((e) => deliveryOf(e.id, notifierEndpoint.id)));
      const attempts = deliveries.flatMap((d) => d.attempts);
      return attempts.some((a) => a.statusCode === 503 && a.responseBody?.includes('circuit_open')) ? deliveries : undefined;
    });
    for (const d of pending) {
      expect(['failed', 'pending']).toContain(d.status);
      expect(d.nextAttemptAt).not.toBeNull();
      expect(d.attempts.length).toBeGreaterThanOrEqual(1);
      expect(d.attempts.every((a) => a.outcome === 'failed' && a.statusCode === 503)).toBe(true);
    }

    // The provider comes back; after the open period the breaker lets trials through and closes.
    providerUp = true;
    const delivered = await waitFor(
      'every delivery to succeed',
      async () => {
        const deliveries = await Promise.all(events.map((e) => deliveryOf(e.id, notifierEndpoint.id)));
        return deliveries.every((d) => d.status === 'succeeded') ? deliveries : undefined;
      },
      20_000,
      50,
    );
    const resent = await sendSigned(notifier, notifierEndpoint.secret, { webhookId: directId, body: directBody });
    expect(resent).toMatchObject({ status: 200, body: { ok: true, status: 'sent' } });

    const webhookIds = [...delivered.map((d) => d.webhookId), directId];
    const rows = await sql<NotificationRow[]>`
      select webhook_id, status, provider_message_id, attempts, recipient from webhook_notifications
      where webhook_id in ${sql(webhookIds)}`;
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      const calls = providerAnswers.filter((a) => a.webhookId === row.webhook_id);
      const sent = calls.filter((a) => a.status === 200);
      expect(sent, `provider accepted ${row.webhook_id} once`).toHaveLength(1);
      expect(row).toMatchObject({ status: 'sent', provider_message_id: sent[0]?.messageId, attempts: calls.length });
    }
    expect(rows.map((r) => r.recipient).sort()).toEqual(['direct@example.test', 'user1@example.test', 'user2@example.test', 'user3@example.test']);

    const first = provider.requests.find((r) => headerOf(r, 'idempotency-key') === delivered[0]?.webhookId);
    if (first === undefined) throw new Error('no provider request for the first delivery');
    expect(headerOf(first, 'authorization')).toBe('Bearer test-email-key');
    expect(JSON.parse(first.body)).toMatchObject({ to: expect.stringMatching(/@example\.test$/), subject: expect.any(String), text: expect.any(String) });

    expect((await breakerRow())?.state).toBe('closed');
    const path = await sql<{ from_state: string; to_state: string }[]>`
      select from_state, to_state from edge_circuit_breaker_transitions order by id`;
    expect(path.map((t) => `${t.from_state}>${t.to_state}`)).toEqual(expect.arrayContaining(['closed>open', 'open>half_open', 'half_open>closed']));

    // Redelivered afterwards, each is a duplicate: no second email.
    const callsAfter = provider.requests.length;
    const again = await sendSigned(notifier, notifierEndpoint.secret, { webhookId: directId, body: directBody });
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    expect(provider.requests.length).toBe(callsAfter);
  }, 45_000);
});
