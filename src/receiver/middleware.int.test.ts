import { Hono } from 'hono';
import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { buildWebhookHeaders, generateSecret } from '../signature/index.ts';
import {
  createPostgresIdempotencyStore,
  PROCESSED_WEBHOOKS_DDL,
  webhookReceiver,
  type IdempotencyStore,
  type VerifiedWebhook,
  type WebhookReceiverFailure,
} from './index.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: Sql;

beforeAll(async () => {
  database = await createTestDatabase('receiver_middleware');
  sql = postgres(database.url, { max: 10, onnotice: () => {} });
  await sql.unsafe(PROCESSED_WEBHOOKS_DDL);
});

afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await database?.drop();
});

const secret = generateSecret();
const statusOf = async (id: string) => (await sql<{ status: string }[]>`select status from processed_webhooks where webhook_id = ${id}`)[0]?.status;

type Handler = (event: VerifiedWebhook) => Promise<Response | void>;

function receiver(handler: Handler, store: IdempotencyStore = createPostgresIdempotencyStore({ sql })) {
  const handled: VerifiedWebhook[] = [];
  const failures: WebhookReceiverFailure[] = [];
  const app = new Hono().post(
    '/webhooks',
    webhookReceiver({
      secrets: [generateSecret(), secret],
      store,
      handler: async (event) => {
        handled.push(event);
        return handler(event);
      },
      onError: (_error, failure) => failures.push(failure),
    }),
  );
  return { app, handled, failures };
}

async function send(app: Hono, id: string, options: { body?: string; headers?: Record<string, string>; timestamp?: number } = {}) {
  const body = options.body ?? JSON.stringify({ type: 'invoice.paid', data: { id } });
  const headers = await buildWebhookHeaders({
    webhookId: id,
    timestamp: options.timestamp ?? Math.floor(Date.now() / 1000),
    body,
    secrets: [secret],
  });
  return app.request('/webhooks', { method: 'POST', body, headers: { ...headers, ...options.headers } });
}

describe('webhookReceiver', () => {
  it('processes a genuine webhook once and acknowledges its duplicates without the handler', async () => {
    const { app, handled } = receiver(async () => {});
    const first = await send(app, 'mw_1');
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true });
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ id: 'mw_1', payload: { type: 'invoice.paid', data: { id: 'mw_1' } } });
    expect(await statusOf('mw_1')).toBe('processed');

    const again = await send(app, 'mw_1');
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ duplicate: true });
    expect(handled).toHaveLength(1);
  });

  it('records the event type and timestamp with the claim', async () => {
    const { app } = receiver(async () => {});
    await send(app, 'mw_meta', { timestamp: Math.floor(Date.now() / 1000) });
    const [row] = await sql<{ event_type: string; webhook_timestamp: Date }[]>`
      select event_type, webhook_timestamp from processed_webhooks where webhook_id = 'mw_meta'`;
    expect(row?.event_type).toBe('invoice.paid');
    expect(Math.abs((row?.webhook_timestamp.getTime() ?? 0) - Date.now())).toBeLessThan(5000);
  });

  it('verifies the x-webhook-* headers alone', async () => {
    const { app, handled } = receiver(async () => {});
    const body = '{"type":"x"}';
    const all = await buildWebhookHeaders({ webhookId: 'mw_x', timestamp: Math.floor(Date.now() / 1000), body, secrets: [secret] });
    const mirror = Object.fromEntries(Object.entries(all).filter(([name]) => !name.startsWith('webhook-')));
    const response = await app.request('/webhooks', { method: 'POST', body, headers: mirror });
    expect(response.status).toBe(200);
    expect(handled.map((e) => e.id)).toEqual(['mw_x']);
  });

  it.each([
    ['missing_header', 400, { 'webhook-signature': undefined }],
    ['malformed_header', 400, { 'webhook-timestamp': 'soon' }],
    ['invalid_signature', 401, { 'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }],
  ] as const)('answers %s with %i and never claims', async (code, status, override) => {
    const { app, handled } = receiver(async () => {});
    const body = '{"a":1}';
    const headers: Record<string, string> = await buildWebhookHeaders({
      webhookId: `mw_${code}`,
      timestamp: Math.floor(Date.now() / 1000),
      body,
      secrets: [secret],
    });
    for (const [name, value] of Object.entries(override)) {
      if (value === undefined) delete headers[name];
      else headers[name] = value;
    }
    const response = await app.request('/webhooks', { method: 'POST', body, headers });
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: { code, message: expect.any(String) } });
    expect(handled).toHaveLength(0);
    expect(await statusOf(`mw_${code}`)).toBeUndefined();
  });

  it('answers stale and future timestamps with 401', async () => {
    const { app, handled } = receiver(async () => {});
    const now = Math.floor(Date.now() / 1000);
    const old = await send(app, 'mw_old', { timestamp: now - 301 });
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ error: { code: 'timestamp_too_old' } });
    const future = await send(app, 'mw_future', { timestamp: now + 301 });
    expect(future.status).toBe(401);
    expect(await future.json()).toMatchObject({ error: { code: 'timestamp_too_new' } });
    expect(handled).toHaveLength(0);
  });

  it('answers a genuine non-JSON body with 400 invalid_payload', async () => {
    const { app, handled } = receiver(async () => {});
    const response = await send(app, 'mw_text', { body: 'hello' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_payload' } });
    expect(handled).toHaveLength(0);
  });

  it('releases the claim when the handler throws, so the retry is processed', async () => {
    let calls = 0;
    const { app, handled, failures } = receiver(async () => {
      calls++;
      if (calls === 1) throw new Error('database down');
    });
    const failed = await send(app, 'mw_fail');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: { code: 'handler_failed', message: expect.any(String) } });
    expect(failures).toEqual([{ phase: 'handler', webhookId: 'mw_fail' }]);
    expect(await statusOf('mw_fail')).toBeUndefined();

    const retried = await send(app, 'mw_fail');
    expect(retried.status).toBe(200);
    expect(handled).toHaveLength(2);
    expect(await statusOf('mw_fail')).toBe('processed');
  });

  it('passes on a non-2xx response from the handler and releases the claim', async () => {
    let calls = 0;
    const { app } = receiver(async () => {
      calls++;
      return calls === 1 ? new Response('not yet', { status: 503 }) : new Response('done', { status: 202 });
    });
    const first = await send(app, 'mw_503');
    expect(first.status).toBe(503);
    expect(await first.text()).toBe('not yet');
    expect(await statusOf('mw_503')).toBeUndefined();
    const second = await send(app, 'mw_503');
    expect(second.status).toBe(202);
    expect(await second.text()).toBe('done');
    expect(await statusOf('mw_503')).toBe('processed');
  });

  it('runs the handler once for two concurrent copies; the other gets 409 with Retry-After', async () => {
    let finish: () => void = () => {};
    const gate = new Promise<void>((resolve) => (finish = resolve));
    // Two receiver processes: separate stores on the same table.
    const one = receiver(() => gate);
    const two = receiver(() => gate);
    const first = send(one.app, 'mw_race');
    await expect.poll(() => statusOf('mw_race')).toBe('processing');
    const second = await send(two.app, 'mw_race');
    expect(second.status).toBe(409);
    expect(second.headers.get('retry-after')).toBe('60');
    expect(await second.json()).toMatchObject({ error: { code: 'in_progress' } });
    finish();
    expect((await first).status).toBe(200);
    expect(one.handled.length + two.handled.length).toBe(1);
    expect((await send(two.app, 'mw_race')).status).toBe(200);
    expect(two.handled).toHaveLength(0);
  });

  it('answers 503 when the store cannot claim, without running the handler', async () => {
    const broken: IdempotencyStore = {
      claim: () => Promise.reject(new Error('connection refused')),
      complete: () => Promise.resolve(),
      release: () => Promise.resolve(),
    };
    const { app, handled, failures } = receiver(async () => {}, broken);
    const response = await send(app, 'mw_down');
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('60');
    expect(await response.json()).toMatchObject({ error: { code: 'store_unavailable' } });
    expect(handled).toHaveLength(0);
    expect(failures).toEqual([{ phase: 'claim', webhookId: 'mw_down' }]);
  });

  it('still answers 200 when recording completion fails after the handler succeeded', async () => {
    const store = createPostgresIdempotencyStore({ sql });
    const flaky: IdempotencyStore = { ...store, complete: () => Promise.reject(new Error('lost connection')) };
    const { app, handled, failures } = receiver(async () => {}, flaky);
    const response = await send(app, 'mw_flaky');
    expect(response.status).toBe(200);
    expect(handled).toHaveLength(1);
    expect(failures).toEqual([{ phase: 'complete', webhookId: 'mw_flaky' }]);
  });
});
