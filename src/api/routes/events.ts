import { Hono } from 'hono';
import { z } from 'zod';
import { GatewayError, invalid } from '../../errors.ts';
import type { HistoryService, Publisher } from '../../publisher/index.ts';
import { requireScope, type AuthEnv } from '../auth.ts';
import { parseWith, readJson } from '../request.ts';
import { page, pageSchema, publishSchema } from '../schemas.ts';

const ENVELOPE_ALLOWANCE = 16 * 1024;
const CORRELATION_ID = /^[\x21-\x7e]{1,200}$/;

/** `/v1/events`: publish (202 only after the commit), read one with its deliveries, list. */
export function eventRoutes({ publisher, history, maxPayloadBytes }: { publisher: Publisher; history: HistoryService; maxPayloadBytes: number }) {
  return new Hono<AuthEnv>()
    .post('/', requireScope('events:publish'), async (c) => {
      const body = await readJson(c, publishSchema, maxPayloadBytes + ENVELOPE_ALLOWANCE);
      const payloadBytes = Buffer.byteLength(JSON.stringify(body.payload));
      if (payloadBytes > maxPayloadBytes)
        throw new GatewayError('too_large', 'payload_too_large', `payload is ${payloadBytes} bytes; the limit is ${maxPayloadBytes}`);
      const headerKey = c.req.header('idempotency-key');
      if (headerKey !== undefined && body.idempotencyKey !== undefined && headerKey !== body.idempotencyKey)
        throw invalid('idempotency_key_mismatch', 'Idempotency-Key header and idempotencyKey field differ');
      const correlationId = body.correlationId ?? c.req.header('x-correlation-id');
      if (correlationId !== undefined && !CORRELATION_ID.test(correlationId))
        throw invalid('invalid_correlation_id', 'correlation id must be 1..200 printable ASCII characters');
      const event = await publisher.publish({
        tenantId: c.var.scope.tenantId,
        type: body.type,
        payload: body.payload,
        idempotencyKey: body.idempotencyKey ?? headerKey,
        correlationId,
      });
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
    })
    .get('/', requireScope('deliveries:read'), async (c) => {
      const query = parseWith(pageSchema.extend({ type: z.string().optional() }), c.req.query());
      return c.json(page(await history.events(c.var.scope, { type: query.type }, query), query.limit));
    })
    .get('/:id', requireScope('deliveries:read'), async (c) => c.json(await history.event(c.var.scope, c.req.param('id'))));
}
