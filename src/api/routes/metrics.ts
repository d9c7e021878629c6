import { createRoute, z } from '@hono/zod-openapi';
import { errorBody } from '../errors.ts';
import { metricsAccess, type MetricsSource } from '../../metrics/index.ts';
import { errors, openApiApp } from '../openapi.ts';

export type { MetricsSource };

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Prometheus metrics (text exposition format); a bearer token is required when METRICS_TOKEN is set',
  security: [{}, { metricsToken: [] }],
  responses: {
    200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } },
    ...errors(401),
  },
});

/** `GET /metrics`: open, or behind `Authorization: Bearer <token>` when a token is given. */
export function metricsRoutes(source: MetricsSource, token: string | undefined) {
  const allowed = metricsAccess(token);
  const app = openApiApp();
  app.openAPIRegistry.registerComponent('securitySchemes', 'metricsToken', { type: 'http', scheme: 'bearer', description: '`METRICS_TOKEN`' });
  app.openapi(metrics, async (c) => {
    if (!allowed(c.req.header('authorization'))) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json(errorBody('unauthorized', 'this endpoint needs the metrics bearer token'), 401);
    }
    return c.body(await source.render(), 200, { 'content-type': source.contentType });
  });
  return app;
}
