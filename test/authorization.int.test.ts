import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterView, DeliveryView, EndpointView } from '../src/publisher/index.ts';
import { API_SCOPES, type ApiScope } from '../src/tenants/index.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

type Owned = { endpointId: string; eventId: string; deliveryId: string; deadLetterId: string };
let gw: TestGateway;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const tokens: Record<string, string> = {};
let tenantA = '';
let tenantB = '';
let own: Owned;
let other: Owned;

async function as<T>(token: string, method: string, path: string, body?: unknown) {
  return gw.api<T>(path, { method, body, headers: { authorization: `Bearer ${token}` } });
}

/** An endpoint that answers 422 (dead-lettered at once), an event, its delivery and dead letter. */
async function resources(token: string, type: string): Promise<Owned> {
  const ep = await as<EndpointView>(token, 'POST', '/v1/endpoints', { url: `${receiver.url}/${type}`, eventTypes: [type] });
  expect(ep.status).toBe(201);
  const event = await as<{ id: string }>(token, 'POST', '/v1/events', { type, payload: {} });
  expect(event.status).toBe(202);
  const dead = await waitFor('dead letter', async () => (await gw.api<{ data: DeadLetterView[] }>(`/v1/dead-letters?endpointId=${ep.body.id}`)).body.data[0]);
  const delivery = (await gw.api<{ data: DeliveryView[] }>(`/v1/deliveries?eventId=${event.body.id}`)).body.data[0]!;
  return { endpointId: ep.body.id, eventId: event.body.id, deliveryId: delivery.id, deadLetterId: dead.id };
}

beforeAll(async () => {
  gw = await startTestGateway('authz');
  receiver = await startReceiver(() => ({ status: 422 }));
  tenantA = (await gw.api<{ id: string }>('/v1/tenants', { body: { name: 'a' } })).body.id;
  tenantB = (await gw.api<{ id: string }>('/v1/tenants', { body: { name: 'b' } })).body.id;
  for (const scope of API_SCOPES)
    tokens[scope] = (await gw.api<{ token: string }>(`/v1/tenants/${tenantA}/tokens`, { body: { scopes: [scope] } })).body.token;
  tokens.b = (await gw.api<{ token: string }>(`/v1/tenants/${tenantB}/tokens`, { body: { scopes: ['admin'] } })).body.token;
  own = await resources(tokens.admin!, 'authz.a');
  other = await resources(tokens.b!, 'authz.b');
}, 60_000);
afterAll(async () => {
  await receiver?.close();
  await gw?.stop();
});

type Route = { name: string; method: string; path: (r: Owned) => string; scope: ApiScope; body?: unknown; ok: number[] };
const ROUTES: Route[] = [
  { name: 'read endpoint', method: 'GET', path: (r) => `/v1/endpoints/${r.endpointId}`, scope: 'endpoints:manage', ok: [200] },
  { name: 'update endpoint', method: 'PATCH', path: (r) => `/v1/endpoints/${r.endpointId}`, scope: 'endpoints:manage', body: { description: 'x' }, ok: [200] },
  { name: 'read secret', method: 'GET', path: (r) => `/v1/endpoints/${r.endpointId}/secret`, scope: 'endpoints:manage', ok: [200] },
  { name: 'rotate secret', method: 'POST', path: (r) => `/v1/endpoints/${r.endpointId}/secret/rotate`, scope: 'endpoints:manage', body: {}, ok: [200] },
  { name: 'read breaker', method: 'GET', path: (r) => `/v1/endpoints/${r.endpointId}/breaker`, scope: 'endpoints:manage', ok: [200] },
  { name: 'reset breaker', method: 'POST', path: (r) => `/v1/endpoints/${r.endpointId}/breaker/reset`, scope: 'endpoints:manage', body: {}, ok: [200] },
  { name: 'read event', method: 'GET', path: (r) => `/v1/events/${r.eventId}`, scope: 'deliveries:read', ok: [200] },
  { name: 'read delivery', method: 'GET', path: (r) => `/v1/deliveries/${r.deliveryId}`, scope: 'deliveries:read', ok: [200] },
  { name: 'redeliver', method: 'POST', path: (r) => `/v1/deliveries/${r.deliveryId}/redeliver`, scope: 'deliveries:redeliver', body: {}, ok: [202] },
  { name: 'read dead letter', method: 'GET', path: (r) => `/v1/dead-letters/${r.deadLetterId}`, scope: 'deliveries:read', ok: [200] },
  { name: 'dismiss dead letter', method: 'POST', path: (r) => `/v1/dead-letters/${r.deadLetterId}/dismiss`, scope: 'deliveries:redeliver', body: {}, ok: [200, 409] },
];

describe('authorization matrix: every route x scope x own/other tenant', () => {
  for (const route of ROUTES) {
    it(route.name, async () => {
      for (const scope of API_SCOPES) {
        const allowed = scope === route.scope || scope === 'admin';
        const mine = await as(tokens[scope]!, route.method, route.path(own), route.body);
        if (allowed) expect(route.ok, `${scope} on own`).toContain(mine.status);
        else expect(mine.status, `${scope} on own`).toBe(403);
        // Another tenant's resource is never found, even with the right scope (ids do not leak).
        if (allowed) expect((await as(tokens[scope]!, route.method, route.path(other), route.body)).status, `${scope} on other`).toBe(404);
      }
    });
  }

  it('publishing needs events:publish, and lists only show the caller’s tenant', async () => {
    for (const scope of API_SCOPES) {
      const published = await as(tokens[scope]!, 'POST', '/v1/events', { type: 'authz.none', payload: {} });
      expect(published.status, scope).toBe(scope === 'events:publish' || scope === 'admin' ? 202 : 403);
    }
    const endpoints = await as<{ data: EndpointView[] }>(tokens['endpoints:manage']!, 'GET', '/v1/endpoints');
    expect(endpoints.body.data.map((e) => e.id)).toEqual([own.endpointId]);
    const deliveries = await as<{ data: DeliveryView[] }>(tokens['deliveries:read']!, 'GET', '/v1/deliveries');
    expect(deliveries.body.data.every((d) => d.endpointId === own.endpointId)).toBe(true);
    const deadLetters = await as<{ data: DeadLetterView[] }>(tokens['deliveries:read']!, 'GET', '/v1/dead-letters?status=all');
    // (the matrix's redeliveries to the 422 endpoint died again, adding dead letters of its own)
    expect(deadLetters.body.data.map((d) => d.id)).toContain(own.deadLetterId);
    expect(deadLetters.body.data.every((d) => d.endpointId === own.endpointId)).toBe(true);
    const bulk = await as<{ count: number }>(tokens['deliveries:redeliver']!, 'POST', '/v1/dead-letters/redeliver', { ids: [other.deadLetterId] });
    expect(bulk.body.count).toBe(0);
    expect((await as(tokens['endpoints:manage']!, 'DELETE', `/v1/endpoints/${other.endpointId}`)).status).toBe(404);
    // The admin token reads every tenant.
    expect((await gw.api(`/v1/endpoints/${other.endpointId}`)).status).toBe(200);
  });

  it('tenants and tokens: only the admin token creates tenants; tenant admins manage their own tokens; revoked tokens stop working', async () => {
    expect((await as(tokens.admin!, 'POST', '/v1/tenants', { name: 'c' })).status).toBe(404);
    expect((await as(tokens.admin!, 'POST', `/v1/tenants/${tenantB}/tokens`, { scopes: ['admin'] })).status).toBe(404);
    expect((await as(tokens['endpoints:manage']!, 'POST', `/v1/tenants/${tenantA}/tokens`, { scopes: ['admin'] })).status).toBe(403);
    const bad = await as<{ error: { code: string } }>(tokens.admin!, 'POST', `/v1/tenants/${tenantA}/tokens`, { scopes: ['root'] });
    expect(bad.body.error.code).toBe('invalid_scope');
    const issued = await as<{ id: string; token: string; prefix: string }>(tokens.admin!, 'POST', `/v1/tenants/${tenantA}/tokens`, { scopes: ['deliveries:read'] });
    expect(issued.status).toBe(201);
    expect(issued.body.token.startsWith(issued.body.prefix)).toBe(true);
    expect((await as(issued.body.token, 'GET', '/v1/deliveries')).status).toBe(200);
    expect((await as(tokens.b!, 'DELETE', `/v1/tokens/${issued.body.id}`)).status).toBe(404);
    expect((await as(tokens.admin!, 'DELETE', `/v1/tokens/${issued.body.id}`)).status).toBe(204);
    expect((await as(issued.body.token, 'GET', '/v1/deliveries')).status).toBe(401);
    const stored = await gw.database.sql<{ token_hash: string }[]>`select token_hash from api_tokens where id = ${issued.body.id}`;
    expect(stored[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]?.token_hash).not.toContain(issued.body.token);
    expect((await as('whgw_not-a-token', 'GET', '/v1/deliveries')).status).toBe(401);
    expect(ADMIN_TOKEN).toBeTruthy();
  });
});
