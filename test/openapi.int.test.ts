import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/api/index.ts';
import { systemClock } from '../src/clock.ts';
import { createLogger } from '../src/logger.ts';
import { createGatewayMetrics } from '../src/metrics/index.ts';
import { createPublisher } from '../src/publisher/index.ts';
import { createSecretBox } from '../src/secrets/index.ts';
import { startTestGateway, type ErrorBody, type TestGateway } from './helpers/gateway.ts';

type Operation = { requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, unknown>; parameters?: { name: string; in: string }[] };
type OpenApiDocument = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

let gw: TestGateway;
let app: App;
let document: OpenApiDocument;

beforeAll(async () => {
  gw = await startTestGateway('openapi');
  const logger = createLogger('silent');
  // The same factory the gateway serves, so its route table can be enumerated.
  app = createApp({
    db: gw.database.db,
    queue: gw.queue,
    publisher: createPublisher({ db: gw.database.db, queue: gw.queue, logger }),
    clock: systemClock,
    logger,
    config: gw.config,
    secretBox: createSecretBox({}),
    readiness: async () => ({ postgres: true }),
    metrics: {
      source: createGatewayMetrics({ endpointLabels: 10, sources: { db: gw.database.db, queue: gw.queue, clock: systemClock, breakerOpenForMs: 1000 } }),
      token: undefined,
    },
  });
  const response = await app.request('/openapi.json');
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApiDocument;
});
afterAll(async () => {
  await gw?.stop();
});

/** `/v1/endpoints/:id` -> `/v1/endpoints/{id}` */
const openApiPath = (path: string) => path.replaceAll(/:([^/]+)/g, '{$1}');

describe('OpenAPI document', () => {
  it('is what the gateway serves', async () => {
    expect(await (await fetch(`${gw.url}/openapi.json`)).json()).toEqual(document);
  });

  it('is OpenAPI 3.1 with bearer auth', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes).toHaveProperty('bearerAuth');
  });

  it('documents every route the app serves, and nothing it does not', () => {
    // The server-rendered admin console (HTML pages and form posts) is not part of the JSON API.
    const served = app.routes
      .filter((route) => route.method !== 'ALL' && !route.path.startsWith('/admin'))
      .map((route) => `${route.method.toLowerCase()} ${openApiPath(route.path)}`);
    expect(served.length).toBeGreaterThan(25);
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method} ${path}`));
    for (const route of served) expect(documented, route).toContain(route);
    expect(new Set(documented)).toEqual(new Set(served));
    for (const required of ['post /v1/events', 'get /v1/endpoints/{id}/breaker', 'get /readyz', 'get /docs', 'get /metrics'])
      expect(documented, required).toContain(required);
  });

  it('documents request bodies, parameters and error answers from the zod schemas', () => {
    const publish = document.paths['/v1/events']!.post!;
    const body = JSON.stringify(publish.requestBody?.content['application/json']?.schema);
    for (const field of ['type', 'payload', 'idempotencyKey', 'correlationId']) expect(body).toContain(field);
    expect(publish.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['idempotency-key', 'x-correlation-id']));
    expect(Object.keys(publish.responses)).toEqual(expect.arrayContaining(['202', '400', '401', '403', '413', '503']));
    const list = document.paths['/v1/deliveries']!.get!;
    expect(list.parameters?.map((p) => p.name)).toEqual(expect.arrayContaining(['endpointId', 'eventId', 'status', 'limit', 'before']));
    expect(document.paths['/v1/endpoints/{id}']!.patch!.requestBody).toBeDefined();
  });
});

describe('validation through the route schemas keeps the error format', () => {
  it('answers a bad query parameter with 400 validation_failed', async () => {
    for (const path of ['/v1/deliveries?status=bogus', '/v1/endpoints?limit=0', '/v1/dead-letters?since=yesterday', '/v1/events?limit=x']) {
      const response = await gw.api<ErrorBody>(path);
      expect(response.status, path).toBe(400);
      expect(response.body.error.code).toBe('validation_failed');
      expect(response.body.error.message).toMatch(/^(status|limit|since): /);
    }
  });

  it('still checks the token before the parameters', async () => {
    const response = await fetch(`${gw.url}/v1/deliveries?status=bogus`);
    expect(response.status).toBe(401);
  });
});

describe('interactive docs', () => {
  it('serves Swagger UI from the installed package, pointing at /openapi.json', async () => {
    const page = await fetch(`${gw.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain("url: 'openapi.json'");
    for (const [file, type] of [
      ['swagger-ui-bundle.js', 'javascript'],
      ['swagger-ui.css', 'text/css'],
    ] as const) {
      expect(html).toContain(`docs/${file}`);
      const asset = await fetch(`${gw.url}/docs/${file}`);
      expect(asset.status, file).toBe(200);
      expect(asset.headers.get('content-type')).toContain(type);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    }
    const other = await fetch(`${gw.url}/docs/package.json`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as ErrorBody).error.code).toBe('not_found');
    expect((await fetch(`${gw.url}/docs/..%2Fpackage.json`)).status).toBe(404);
  });
});
