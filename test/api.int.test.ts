import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/index.ts';
import { systemClock } from '../src/clock.ts';
import { createDatabase } from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import { createPublisher, type EndpointView } from '../src/publisher/index.ts';
import { createSecretBox } from '../src/secrets/index.ts';
import { ADMIN_TOKEN, startTestGateway, type ErrorBody, type TestGateway } from './helpers/gateway.ts';

type List<T> = { data: T[]; nextCursor: string | null };
let gw: TestGateway;

beforeAll(async () => {
  gw = await startTestGateway('api', { MAX_PAYLOAD_BYTES: '1kb' });
});
afterAll(async () => {
  await gw?.stop();
});

async function rowCounts(): Promise<Record<string, number>> {
  const [row] = await gw.database.sql<{ endpoints: number; events: number; deliveries: number }[]>`
    select (select count(*)::int from endpoints) as endpoints, (select count(*)::int from events) as events,
           (select count(*)::int from deliveries) as deliveries`;
  return { ...row };
}

describe('bad input gets a 4xx with a stable code and writes nothing', () => {
  const cases: [string, string, unknown, number, string][] = [
    ['malformed JSON', '/v1/events', '{"type": "a.b", ', 400, 'invalid_json'],
    ['empty body', '/v1/events', '', 400, 'invalid_json'],
    ['missing type', '/v1/events', { payload: {} }, 400, 'validation_failed'],
    ['missing payload', '/v1/events', { type: 'a.b' }, 400, 'validation_failed'],
    ['wrong-typed type', '/v1/events', { type: 42, payload: {} }, 400, 'validation_failed'],
    ['bad event type syntax', '/v1/events', { type: 'order..created', payload: {} }, 400, 'invalid_event_type'],
    ['wildcard as a published type', '/v1/events', { type: 'order.*', payload: {} }, 400, 'invalid_event_type'],
    ['payload over the limit', '/v1/events', { type: 'a.b', payload: { blob: 'x'.repeat(2000) } }, 413, 'payload_too_large'],
    ['body over the limit', '/v1/events', { type: 'a.b', payload: 'x'.repeat(40_000) }, 413, 'payload_too_large'],
    ['non-http URL', '/v1/endpoints', { url: 'ftp://example.com/hook' }, 400, 'invalid_url'],
    ['unparsable URL', '/v1/endpoints', { url: 'not a url' }, 400, 'invalid_url'],
    ['URL wrong type', '/v1/endpoints', { url: 12 }, 400, 'validation_failed'],
    ['bad filter pattern', '/v1/endpoints', { url: 'http://127.0.0.1:9/x', eventTypes: ['order.*.created'] }, 400, 'invalid_event_type'],
    ['reserved custom header', '/v1/endpoints', { url: 'http://127.0.0.1:9/x', headers: { 'Webhook-Signature': 'x' } }, 400, 'invalid_header'],
    ['header with newline', '/v1/endpoints', { url: 'http://127.0.0.1:9/x', headers: { 'X-A': 'a\r\nb' } }, 400, 'invalid_header'],
    ['bad bulk time', '/v1/dead-letters/redeliver', { since: 'yesterday' }, 400, 'validation_failed'],
    ['NUL in a payload', '/v1/events', { type: 'a.b', payload: { text: 'a\u0000b' } }, 400, 'invalid_value'],
    ['NUL in a description', '/v1/endpoints', { url: 'http://127.0.0.1:9/x', description: 'a\u0000b' }, 400, 'invalid_value'],
  ];
  for (const [name, path, body, status, code] of cases) {
    it(name, async () => {
      const before = await rowCounts();
      const response = await gw.api<ErrorBody>(path, { body: typeof body === 'string' ? body : JSON.stringify(body) });
      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe(code);
      expect(typeof response.body.error.message).toBe('string');
      expect(await rowCounts()).toEqual(before);
    });
  }

  it('answers unknown ids and routes with 404 JSON', async () => {
    for (const path of ['/v1/endpoints/nope', '/v1/endpoints/01a20000-0000-7000-8000-000000000000', '/v1/deliveries/x', '/v1/events/x', '/v1/dead-letters/x', '/v1/nothing']) {
      const response = await gw.api<ErrorBody>(path);
      expect(response.status, path).toBe(404);
      expect(response.body.error.code).toMatch(/not_found/);
    }
  });

  it('rejects a missing or wrong bearer token with 401', async () => {
    const missing = await fetch(`${gw.url}/v1/endpoints`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as ErrorBody).error.code).toBe('unauthorized');
    const wrong = await gw.api<ErrorBody>('/v1/endpoints', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });
});

describe('endpoints', () => {
  it('creates, reads, lists, updates, rotates and deletes; secrets never appear in reads', async () => {
    const created = await gw.api<EndpointView & { secret: string }>('/v1/endpoints', {
      body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['a.*', 'a.*'], description: 'mine', headers: { 'X-Team': 'blue' } },
    });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(created.body.eventTypes).toEqual(['a.*']);
    expect(created.body.headers).toEqual({ 'x-team': 'blue' });
    const id = created.body.id;
    const read = await gw.api<EndpointView>(`/v1/endpoints/${id}`);
    expect(JSON.stringify(read.body)).not.toContain(created.body.secret);
    const list = await gw.api<List<EndpointView>>('/v1/endpoints');
    expect(list.body.data.map((e) => e.id)).toContain(id);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    const patched = await gw.api<EndpointView>(`/v1/endpoints/${id}`, { method: 'PATCH', body: { enabled: false, eventTypes: ['b.c'] } });
    expect(patched.body).toMatchObject({ enabled: false, eventTypes: ['b.c'], disabledReason: 'disabled by its owner' });
    const rotated = await gw.api<{ secret: string }>(`/v1/endpoints/${id}/secret/rotate`, { body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(created.body.secret);
    const current = await gw.api<{ secret: string }>(`/v1/endpoints/${id}/secret`);
    expect(current.body.secret).toBe(rotated.body.secret);
    const deleted = await gw.api(`/v1/endpoints/${id}`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect((await gw.api(`/v1/endpoints/${id}`)).status).toBe(404);
  });
});

describe('Postgres unreachable', () => {
  it('answers 503, never 202', async () => {
    const database = createDatabase({ url: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
    const queue = gw.queue;
    const logger = createLogger('silent');
    const app = createApp({
      db: database.db,
      queue,
      publisher: createPublisher({ db: database.db, queue, logger }),
      clock: systemClock,
      logger,
      config: { ...gw.config, adminToken: ADMIN_TOKEN, maxPayloadBytes: 1024 },
      secretBox: createSecretBox({}),
      readiness: async () => ({ postgres: false }),
    });
    try {
      const response = await app.request('/v1/events', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'a.b', payload: {} }),
      });
      expect(response.status).toBe(503);
      expect(((await response.json()) as ErrorBody).error.code).toBe('database_unavailable');
      expect(response.headers.get('retry-after')).toBe('5');
    } finally {
      await database.close();
    }
  });
});

describe('request size', () => {
  it('rejects a chunked body over the limit without reading it all', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${gw.url}/v1/events`);
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      // Chunked (no content-length): 200 chunks of 1 KiB against a 1 KiB payload limit.
      req.write('{"type":"a.b","payload":"');
      let sent = 0;
      const pump = () => {
        while (sent < 200 && req.write('x'.repeat(1024))) sent++;
        if (sent < 200) req.once('drain', pump);
        else req.end('"}');
      };
      pump();
    });
    expect(status).toBe(413);
  });
});

describe('SSRF guard (ALLOW_PRIVATE_TARGETS=false)', () => {
  it('refuses private IP literals at registration, and hostnames that resolve to them at connect time', async () => {
    const { startReceiver } = await import('./helpers/receiver.ts');
    const { waitFor } = await import('./helpers/wait.ts');
    const guarded = await startTestGateway('ssrf', { ALLOW_PRIVATE_TARGETS: 'false', BREAKER_FAILURES: '1000' });
    const receiver = await startReceiver();
    try {
      for (const url of ['http://127.0.0.1:8080/x', 'http://10.0.0.1/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/x', 'http://[::ffff:127.0.0.1]/x']) {
        const refused = await guarded.api<ErrorBody>('/v1/endpoints', { body: { url } });
        expect(refused.status, url).toBe(400);
        expect(refused.body.error.code).toBe('target_not_allowed');
      }
      // `localhost` is a name: it registers, and is refused when the worker resolves it to 127.0.0.1.
      const port = new URL(receiver.url).port;
      const ep = await guarded.api<EndpointView>('/v1/endpoints', { body: { url: `http://localhost:${port}/hook` } });
      expect(ep.status).toBe(201);
      await guarded.api('/v1/events', { body: { type: 'ssrf.test', payload: {} } });
      type Attempts = { attempts: { errorCode: string | null; error: string | null }[] };
      const attempt = await waitFor('blocked attempt', async () => {
        const list = await guarded.api<{ data: { id: string }[] }>(`/v1/deliveries?endpointId=${ep.body.id}`);
        const id = list.body.data[0]?.id;
        return id ? (await guarded.api<Attempts>(`/v1/deliveries/${id}`)).body.attempts[0] : undefined;
      });
      expect(attempt.errorCode).toBe('invalid_target');
      expect(attempt.error).toMatch(/resolves to (127\.0\.0\.1|::1), which is loopback/);
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await receiver.close();
      await guarded.stop();
    }
  });
});

describe('per-token rate limit', () => {
  it('answers 429 with Retry-After once a token exceeds its rate, without affecting other tokens', async () => {
    const limited = await startTestGateway('ratelimit', { API_RATE_LIMIT: '5', API_RATE_BURST: '5' });
    try {
      const tenant = (await limited.api<{ id: string }>('/v1/tenants', { body: { name: 'r' } })).body.id;
      const issue = async () => (await limited.api<{ token: string }>(`/v1/tenants/${tenant}/tokens`, { body: { scopes: ['deliveries:read'] } })).body.token;
      const [first, second] = [await issue(), await issue()];
      const read = (token: string) => limited.api<ErrorBody>('/v1/deliveries', { headers: { authorization: `Bearer ${token}` } });
      const statuses: number[] = [];
      let limitedResponse: Awaited<ReturnType<typeof read>> | undefined;
      for (let i = 0; i < 8; i++) {
        const response = await read(first!);
        statuses.push(response.status);
        if (response.status === 429) limitedResponse = response;
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(limitedResponse?.body.error.code).toBe('rate_limited');
      expect(Number(limitedResponse?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another token has its own bucket.
      expect((await read(second!)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe('request header limits', () => {
  it('answers 431 to too many headers or too many header bytes', async () => {
    const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`x-h${i}`, 'v']));
    expect((await gw.api<ErrorBody>('/v1/endpoints', { headers: many })).status).toBe(431);
    expect((await gw.api<ErrorBody>('/v1/endpoints', { headers: { 'x-big': 'v'.repeat(20_000) } })).status).toBe(431);
    expect((await gw.api('/v1/endpoints')).status).toBe(200);
  });
});
