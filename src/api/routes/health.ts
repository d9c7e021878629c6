import { createRoute, z } from '@hono/zod-openapi';
import { json, openApiApp } from '../openapi.ts';
import { toReadiness, type ReadinessCheck } from '../../health/index.ts';

export type { ReadinessCheck };

const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.record(z.string(), z.boolean()).openapi({ example: { postgres: true, migrations: true, redis: false } }),
    errors: z.record(z.string(), z.string()).openapi({ description: 'Why each failed check failed', example: { redis: 'Connection is closed.' } }),
  })
  .openapi('Readiness');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness: the process answers',
  responses: { 200: json(z.object({ status: z.literal('ok') }), 'Alive') },
});
const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['operations'],
  summary: 'Readiness: Postgres and Redis answer and the migrations are applied',
  responses: { 200: json(ReadinessSchema, 'Ready'), 503: json(ReadinessSchema, 'Not ready: see `checks` and `errors`') },
});

/** `/healthz` (the process answers) and `/readyz` (its dependencies answer). */
export function healthRoutes(readiness: ReadinessCheck) {
  const app = openApiApp();
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyz, async (c) => {
    const { checks, errors } = toReadiness(await readiness());
    const ready = Object.values(checks).every(Boolean);
    return ready ? c.json({ status: 'ready' as const, checks, errors }, 200) : c.json({ status: 'not_ready' as const, checks, errors }, 503);
  });
  return app;
}
