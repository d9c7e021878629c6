import { Hono } from 'hono';
import type { HistoryService, RedeliveryService } from '../../publisher/index.ts';
import { requireScope, type AuthEnv } from '../auth.ts';
import { parseWith, readJson } from '../request.ts';
import { bulkRedeliverSchema, deadLetterQuerySchema, deliveryQuerySchema, page, SMALL_BODY_LIMIT } from '../schemas.ts';

type Deps = { history: HistoryService; redelivery: RedeliveryService };

/** `/v1/deliveries`: list with filters, read one with every attempt, redeliver. */
export function deliveryRoutes({ history, redelivery }: Deps) {
  return new Hono<AuthEnv>()
    .get('/', requireScope('deliveries:read'), async (c) => {
      const query = parseWith(deliveryQuerySchema, c.req.query());
      return c.json(page(await history.deliveries(c.var.scope, query, query), query.limit));
    })
    .get('/:id', requireScope('deliveries:read'), async (c) => c.json(await history.delivery(c.var.scope, c.req.param('id'))))
    .post('/:id/redeliver', requireScope('deliveries:redeliver'), async (c) => {
      const result = await redelivery.redeliver(c.var.scope, c.req.param('id'));
      return c.json({ id: result.id, webhookId: result.id, series: result.series, status: 'pending' }, 202);
    });
}

/** `/v1/dead-letters`: list, read, redeliver in bulk (by endpoint, time range or ids), dismiss. */
export function deadLetterRoutes({ history, redelivery }: Deps) {
  return new Hono<AuthEnv>()
    .get('/', requireScope('deliveries:read'), async (c) => {
      const query = parseWith(deadLetterQuerySchema, c.req.query());
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
      return c.json(page(data, query.limit));
    })
    .post('/redeliver', requireScope('deliveries:redeliver'), async (c) => {
      const body = await readJson(c, bulkRedeliverSchema, SMALL_BODY_LIMIT);
      const result = await redelivery.redeliverDeadLetters(c.var.scope, {
        endpointId: body.endpointId,
        since: body.since ? new Date(body.since) : undefined,
        until: body.until ? new Date(body.until) : undefined,
        ids: body.ids,
      });
      return c.json(result, 202);
    })
    .get('/:id', requireScope('deliveries:read'), async (c) => c.json(await history.deadLetter(c.var.scope, c.req.param('id'))))
    .post('/:id/dismiss', requireScope('deliveries:redeliver'), async (c) => {
      await redelivery.dismiss(c.var.scope, c.req.param('id'));
      return c.json(await history.deadLetter(c.var.scope, c.req.param('id')));
    });
}
