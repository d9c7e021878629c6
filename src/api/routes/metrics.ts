import { timingSafeEqual } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { errorBody } from '../errors.ts';
import { errors, openApiApp } from '../openapi.ts';

/** What `/metrics` serves: the Prometheus text of a registry. */
export type MetricsSource = { render(): Promise<string>; contentType: string };

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
  const expected = token ? Buffer.from(token) : undefined;
  const app = openApiApp();
  app.openAPIRegistry.registerComponent('securitySchemes', 'metricsToken', { type: 'http', scheme: 'bearer', description: '`METRICS_TOKEN`' });
  app.openapi(metrics, async (c) => {
    if (expected) {
      const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim() ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        c.header('WWW-Authenticate', 'Bearer');
        return c.json(errorBody('unauthorized', 'this endpoint needs the metrics bearer token'), 401);
      }
    }
    return c.body(await source.render(), 200, { 'content-type': source.contentType });
  });
  return app;
}
