import { createRoute, z } from '@hono/zod-openapi';
import { invalid } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { HistoryService, Publisher } from '../../publisher/index.ts';
import { requireScope, type AuthEnv } from '../auth.ts';
import { BEARER, documentWithBody, errors, IdParams, json, openApiApp, V1_ERRORS } from '../openapi.ts';
import { readJson } from '../request.ts';
import { AcceptedEventSchema, EventSchema, EventWithDeliveriesSchema, pageOf } from '../response-schemas.ts';
import { page, pageSchema, publishSchema } from '../schemas.ts';

const ENVELOPE_ALLOWANCE = 16 * 1024;
/** A correlation id a caller may choose: bounded, and only characters safe in headers, logs and URLs. */
const CORRELATION_ID = /^[A-Za-z0-9._:/+=@-]{1,200}$/;
const tags = ['events'];

const publishHeaders = z.object({
  'idempotency-key': z.string().optional().openapi({ description: 'Same as the `idempotencyKey` field (both given: they must match)' }),
  'x-correlation-id': z.string().optional().openapi({
    description: 'Carried to every delivery as `X-Correlation-Id` and into the logs; 1..200 of `A-Z a-z 0-9 . _ : / + = @ -`. Generated when absent.',
    example: 'req-7f3a9c',
  }),
});

const publish = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Publish an event: 202 only once it and its deliveries are committed',
  security: BEARER,
  middleware: [requireScope('events:publish')],
  request: { headers: publishHeaders },
  responses: {
    202: {
      ...json(AcceptedEventSchema, 'Accepted (`Idempotent-Replayed: true` when the idempotency key was used before)'),
      headers: z.object({ 'X-Correlation-Id': z.string() }),
    },
    ...errors(...V1_ERRORS, 413),
  },
});
const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List events, newest first',
  security: BEARER,
  middleware: [requireScope('deliveries:read')],
  request: { query: pageSchema.extend({ type: z.string().optional() }) },
  responses: { 200: json(pageOf(EventSchema), 'A page of events'), ...errors(...V1_ERRORS) },
});
const read = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'Read an event with its deliveries',
  security: BEARER,
  middleware: [requireScope('deliveries:read')],
  request: { params: IdParams },
  responses: { 200: json(EventWithDeliveriesSchema, 'The event'), ...errors(...V1_ERRORS) },
});

/** `/v1/events`: publish (202 only after the commit), read one with its deliveries, list. */
export function eventRoutes(deps: { publisher: Publisher; history: HistoryService; maxPayloadBytes: number; logger: Logger }) {
  const { publisher, history, maxPayloadBytes, logger } = deps;
  const app = openApiApp<AuthEnv>();
  // Registered without its header schema (documented below with the body): both headers are
  // optional strings, so validating them only cost every publish a sorted copy of all its headers.
  app.openapi({ ...publish, request: {}, hide: true }, async (c) => {
    const body = await readJson(c, publishSchema, maxPayloadBytes + ENVELOPE_ALLOWANCE);
    const headerKey = c.req.header('idempotency-key');
    if (headerKey !== undefined && body.idempotencyKey !== undefined && headerKey !== body.idempotencyKey)
      throw invalid('idempotency_key_mismatch', 'Idempotency-Key header and idempotencyKey field differ');
    const correlationId = body.correlationId ?? c.req.header('x-correlation-id');
    if (correlationId !== undefined && !CORRELATION_ID.test(correlationId))
      throw invalid('invalid_correlation_id', 'correlation id must be 1..200 characters among A-Z a-z 0-9 . _ : / + = @ -');
    const event = await publisher.publish({
      tenantId: c.var.scope.tenantId,
      type: body.type,
      payload: body.payload,
      idempotencyKey: body.idempotencyKey ?? headerKey,
      correlationId,
      maxPayloadBytes,
    });
    if (logger.isLevelEnabled('debug'))
      logger.debug(
        { eventId: event.id, correlationId: event.correlationId, type: event.type, deliveries: event.deliveries.length, deliveryIds: event.deliveries.slice(0, 100).map((d) => d.id), replayed: !event.created },
        'event published',
      );
    if (!event.created) c.header('Idempotent-Replayed', 'true');
    c.header('X-Correlation-Id', event.correlationId);
    return c.json(
      {
        id: event.id,
        eventId: event.id,
        type: event.type,
        idempotencyKey: event.idempotencyKey,
        correlationId: event.correlationId,
        createdAt: event.createdAt,
        deliveries: event.deliveries.length,
      },
      202,
    );
  });
  documentWithBody(app, publish, publishSchema);
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    return c.json(page(await history.events(c.var.scope, { type: query.type }, query), query.limit), 200);
  });
  app.openapi(read, async (c) => c.json(await history.event(c.var.scope, c.req.valid('param').id), 200));
  return app;
}
