import { Hono } from 'hono';
import { toReadiness, type ReadinessCheck } from '../health/index.ts';
import { metricsAccess, type MetricsSource } from './access.ts';

const errorBody = (code: string, message: string) => ({ error: { code, message } });

/**
 * The operations server every role serves on `METRICS_PORT`: `/metrics`, `/healthz`, `/readyz`
 * (the same answers as the API's). Plain Hono, so a worker process does not load the API.
 */
export function createOpsApp(deps: { readiness: ReadinessCheck; source: MetricsSource; token: string | undefined }) {
  const allowed = metricsAccess(deps.token);
  return new Hono()
    .get('/metrics', async (c) => {
      if (!allowed(c.req.header('authorization'))) {
        c.header('WWW-Authenticate', 'Bearer');
        return c.json(errorBody('unauthorized', 'this endpoint needs the metrics bearer token'), 401);
      }
      return c.body(await deps.source.render(), 200, { 'content-type': deps.source.contentType });
    })
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const { checks, errors } = toReadiness(await deps.readiness());
      const ready = Object.values(checks).every(Boolean);
      return c.json({ status: ready ? 'ready' : 'not_ready', checks, errors }, ready ? 200 : 503);
    })
    .notFound((c) => c.json(errorBody('route_not_found', `no route for ${c.req.method} ${c.req.path}`), 404))
    .onError((_, c) => c.json(errorBody('internal_error', 'internal error'), 500));
}
