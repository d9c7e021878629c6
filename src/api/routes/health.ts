import { Hono } from 'hono';

export type ReadinessCheck = () => Promise<Record<string, boolean>>;

/** `/healthz` (the process answers) and `/readyz` (its dependencies answer). */
export function healthRoutes(readiness: ReadinessCheck) {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const checks = await readiness();
      const ready = Object.values(checks).every(Boolean);
      return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503);
    });
}
