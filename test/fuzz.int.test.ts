import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointView } from '../src/publisher/index.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

let gw: TestGateway;
let endpointId = '';
let deliveryId = '';

beforeAll(async () => {
  gw = await startTestGateway('fuzz', { MAX_PAYLOAD_BYTES: '4kb' });
  endpointId = (await gw.api<EndpointView>('/v1/endpoints', { body: { url: 'http://127.0.0.1:9/fuzz', eventTypes: ['fuzz.*'] } })).body.id;
  const event = await gw.api<{ id: string }>('/v1/events', { body: { type: 'fuzz.seed', payload: {} } });
  deliveryId = (await gw.api<{ deliveries: { id: string }[] }>(`/v1/events/${event.body.id}`)).body.deliveries[0]!.id;
});
afterAll(async () => {
  await gw?.stop();
});

async function counts(): Promise<string> {
  const [row] = await gw.database.sql`
    select (select count(*) from endpoints) e, (select count(*) from endpoint_secrets) s, (select count(*) from events) v,
           (select count(*) from deliveries) d, (select count(*) from tenants) t, (select count(*) from api_tokens) k`;
  return JSON.stringify(row);
}

/** Any JSON value, plus values shaped like each route's body with wrong or hostile field values. */
const anyJson = fc.jsonValue({ maxDepth: 3 });
const hostileString = fc.oneof(fc.string(), fc.constantFrom('', ' ', '\u0000', '../../etc', 'a'.repeat(3000), '*', 'order.*', 'http://', 'ftp://x', '{"a":1}', '\ud800'));
const field = fc.oneof(anyJson, hostileString, fc.constant(undefined));
const bodies = {
  '/v1/endpoints': fc.oneof(anyJson, fc.record({ url: field, eventTypes: field, description: field, headers: field, breaker: field }, { requiredKeys: [] })),
  '/v1/events': fc.oneof(anyJson, fc.record({ type: field, payload: field, idempotencyKey: field, correlationId: field }, { requiredKeys: [] })),
  '/v1/dead-letters/redeliver': fc.oneof(anyJson, fc.record({ endpointId: field, since: field, until: field, ids: field }, { requiredKeys: [] })),
  '/v1/tenants': fc.oneof(anyJson, fc.record({ name: field }, { requiredKeys: [] })),
};

describe('fuzzing every JSON route', () => {
  for (const [path, arbitrary] of Object.entries(bodies)) {
    it(`POST ${path}: never a 500; a rejected request writes nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (body) => {
          const before = await counts();
          const response = await gw.api<unknown>(path, { body: JSON.stringify(body ?? null) });
          expect(response.status, JSON.stringify(body)?.slice(0, 200)).toBeLessThan(500);
          if (response.status >= 400) expect(await counts()).toBe(before);
        }),
        { numRuns: 60 },
      );
    });
  }

  it('PATCH endpoint and token, rotation and redelivery bodies: never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(anyJson, fc.constantFrom('PATCH', 'POST'), async (body, method) => {
        const path = method === 'PATCH' ? `/v1/endpoints/${endpointId}` : `/v1/endpoints/${endpointId}/secret/rotate`;
        expect((await gw.api<unknown>(path, { method, body: JSON.stringify(body) })).status).toBeLessThan(500);
        expect((await gw.api<unknown>(`/v1/tenants/00000000-0000-0000-0000-000000000000/tokens`, { body: JSON.stringify(body) })).status).toBeLessThan(500);
        expect((await gw.api<unknown>(`/v1/deliveries/${deliveryId}/redeliver`, { method: 'POST', body: JSON.stringify(body) })).status).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
  });

  it('query strings and ids: never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string(), async (a, b) => {
        for (const path of [
          `/v1/deliveries?status=${encodeURIComponent(a)}&endpointId=${encodeURIComponent(b)}&limit=${encodeURIComponent(a)}`,
          `/v1/dead-letters?since=${encodeURIComponent(a)}&before=${encodeURIComponent(b)}`,
          `/v1/events?type=${encodeURIComponent(a)}&before=${encodeURIComponent(b)}`,
          `/v1/endpoints?after=${encodeURIComponent(a)}&limit=${encodeURIComponent(b)}`,
          `/v1/events/${encodeURIComponent(a || 'x')}`,
          `/v1/endpoints/${encodeURIComponent(b || 'x')}/breaker`,
        ])
          expect((await gw.api<unknown>(path)).status, path).toBeLessThan(500);
      }),
      { numRuns: 40 },
    );
  });
});
