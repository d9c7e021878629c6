import { createRoute } from '@hono/zod-openapi';
import type { HistoryService, RedeliveryService } from '../../publisher/index.ts';
import { requireScope, type AuthEnv } from '../auth.ts';
import { BEARER, documentWithBody, errors, IdParams, json, openApiApp, V1_ERRORS } from '../openapi.ts';
import { readJson } from '../request.ts';
import { BulkRedeliverySchema, DeadLetterSchema, DeliverySchema, DeliveryWithAttemptsSchema, pageOf, RedeliverySchema } from '../response-schemas.ts';
import { bulkRedeliverSchema, deadLetterQuerySchema, deliveryQuerySchema, page, SMALL_BODY_LIMIT } from '../schemas.ts';

type Deps = { history: HistoryService; redelivery: RedeliveryService };

const listDeliveries = createRoute({
  method: 'get',
  path: '/',
  tags: ['deliveries'],
  summary: 'List deliveries, newest first',
  security: BEARER,
  middleware: [requireScope('deliveries:read')],
  request: { query: deliveryQuerySchema },
  responses: { 200: json(pageOf(DeliverySchema), 'A page of deliveries'), ...errors(...V1_ERRORS) },
});
const readDelivery = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['deliveries'],
  summary: 'Read a delivery with every attempt',
  security: BEARER,
  middleware: [requireScope('deliveries:read')],
  request: { params: IdParams },
  responses: { 200: json(DeliveryWithAttemptsSchema, 'The delivery and its attempts'), ...errors(...V1_ERRORS) },
});
const redeliver = createRoute({
  method: 'post',
  path: '/{id}/redeliver',
  tags: ['deliveries'],
  summary: 'Redeliver: a new attempt series with the same webhook id (audited)',
  security: BEARER,
  middleware: [requireScope('deliveries:redeliver')],
  request: { params: IdParams },
  responses: { 202: json(RedeliverySchema, 'Queued'), ...errors(...V1_ERRORS) },
});

/** `/v1/deliveries`: list with filters, read one with every attempt, redeliver. */
export function deliveryRoutes({ history, redelivery }: Deps) {
  const app = openApiApp<AuthEnv>();
  app.openapi(listDeliveries, async (c) => {
    const query = c.req.valid('query');
    return c.json(page(await history.deliveries(c.var.scope, query, query), query.limit), 200);
  });
  app.openapi(readDelivery, async (c) => c.json(await history.delivery(c.var.scope, c.req.valid('param').id), 200));
  app.openapi(redeliver, async (c) => {
    const result = await redelivery.redeliver(c.var.scope, c.req.valid('param').id);
    return c.json({ id: result.id, webhookId: result.id, series: result.series, status: 'pending' as const }, 202);
  });
  return app;
}

const listDeadLetters = createRoute({
  method: 'get',
  path: '/',
  tags: ['dead letters'],
  summary: 'List dead letters (default: open ones), newest first',
  security: BEARER,
  middleware: [requireScope('deliveries:read')],
  request: { query: deadLetterQuerySchema },
  responses: { 200: json(pageOf(DeadLetterSchema), 'A page of dead letters'), ...errors(...V1_ERRORS) },
});
const bulkRedeliver = createRoute({
  method: 'post',
  path: '/redeliver',
  tags: ['dead letters'],
  summary: 'Redeliver open dead letters in bulk: by endpoint, time range or ids',
  security: BEARER,
  middleware: [requireScope('deliveries:redeliver')],
  responses: { 202: json(BulkRedeliverySchema, 'Queued'), ...errors(...V1_ERRORS, 413) },
});
const readDeadLetter = createRoute({
  method: 'get',
  path: '/{id}',
  tags: ['dead letters'],
  summary: 'Read a dead letter',
  security: BEARER,
  middleware: [requireScope('deliveries:read')],
  request: { params: IdParams },
  responses: { 200: json(DeadLetterSchema, 'The dead letter'), ...errors(...V1_ERRORS) },
});
const dismiss = createRoute({
  method: 'post',
  path: '/{id}/dismiss',
  tags: ['dead letters'],
  summary: 'Dismiss a dead letter (no redelivery)',
  security: BEARER,
  middleware: [requireScope('deliveries:redeliver')],
  request: { params: IdParams },
  responses: { 200: json(DeadLetterSchema, 'The dismissed dead letter'), ...errors(...V1_ERRORS, 409) },
});

/** `/v1/dead-letters`: list, read, redeliver in bulk (by endpoint, time range or ids), dismiss. */
export function deadLetterRoutes({ history, redelivery }: Deps) {
  const app = openApiApp<AuthEnv>();
  app.openapi(listDeadLetters, async (c) => {
    const query = c.req.valid('query');
    const data = await history.deadLetters(
      c.var.scope,
      {
        endpointId: query.endpointId,
        status: query.status === 'all' ? undefined : query.status,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
      },
      query,
    );
    return c.json(page(data, query.limit), 200);
  });
  app.openapi({ ...bulkRedeliver, hide: true }, async (c) => {
    const body = await readJson(c, bulkRedeliverSchema, SMALL_BODY_LIMIT);
    const result = await redelivery.redeliverDeadLetters(c.var.scope, {
      endpointId: body.endpointId,
      since: body.since ? new Date(body.since) : undefined,
      until: body.until ? new Date(body.until) : undefined,
      ids: body.ids,
    });
    return c.json(result, 202);
  });
  documentWithBody(app, bulkRedeliver, bulkRedeliverSchema);
  app.openapi(readDeadLetter, async (c) => c.json(await history.deadLetter(c.var.scope, c.req.valid('param').id), 200));
  app.openapi(dismiss, async (c) => {
    const { id } = c.req.valid('param');
    await redelivery.dismiss(c.var.scope, id);
    return c.json(await history.deadLetter(c.var.scope, id), 200);
  });
  return app;
}
