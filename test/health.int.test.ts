import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startGateway, type Gateway } from '../src/gateway.ts';
import { createLogger } from '../src/logger.ts';
import { createTestDatabase } from './helpers/database.ts';
import { deleteRedisPrefix, REDIS_URL, testEnv } from './helpers/gateway.ts';
import { metric, scrape } from './helpers/metrics.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { waitFor } from './helpers/wait.ts';

type Readiness = { status: string; checks: Record<string, boolean>; errors: Record<string, string> };

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
let gateway: Gateway;
let postgresProxy: TcpProxy;
let redisProxy: TcpProxy;

beforeAll(async () => {
  database = await createTestDatabase('health');
  // The gateway reaches Postgres and Redis through proxies this test can cut.
  postgresProxy = await startTcpProxy(Number(new URL(database.url).port || 5432));
  redisProxy = await startTcpProxy(Number(new URL(REDIS_URL).port || 6379));
  const databaseUrl = new URL(database.url);
  databaseUrl.port = String(postgresProxy.port);
  const redisUrl = new URL(REDIS_URL);
  redisUrl.port = String(redisProxy.port);
  env = testEnv(databaseUrl.toString(), { REDIS_URL: redisUrl.toString(), METRICS_PORT: '0' });
  gateway = await startGateway({ config: loadConfig(env), role: 'all', logger: createLogger('silent') });
});
afterAll(async () => {
  await gateway?.close();
  await postgresProxy?.close();
  await redisProxy?.close();
  await deleteRedisPrefix(env.QUEUE_PREFIX!);
  await database?.drop();
});

async function readiness(base = gateway.url!): Promise<{ status: number; body: Readiness }> {
  const response = await fetch(`${base}/readyz`);
  return { status: response.status, body: (await response.json()) as Readiness };
}

describe('health and readiness', () => {
  it('is alive and ready when Postgres and Redis answer', async () => {
    const alive = await fetch(`${gateway.url}/healthz`);
    expect(alive.status).toBe(200);
    expect(await alive.json()).toEqual({ status: 'ok' });
    expect(await readiness()).toEqual({ status: 200, body: { status: 'ready', checks: { postgres: true, migrations: true, redis: true }, errors: {} } });
  });

  it('answers 503 naming Redis when Redis is unreachable, and recovers', async () => {
    await redisProxy.cut();
    try {
      const down = await waitFor('not ready', async () => {
        const result = await readiness();
        return result.status === 503 ? result : undefined;
      });
      expect(down.body.status).toBe('not_ready');
      expect(down.body.checks).toEqual({ postgres: true, migrations: true, redis: false });
      expect(down.body.errors.redis).toEqual(expect.any(String));
      expect(Object.keys(down.body.errors)).toEqual(['redis']);
      // The process is still alive: only readiness fails.
      expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
      // Metrics still answer: the queue gauges are left out and the source is reported down.
      const samples = await scrape(gateway.url!);
      expect(metric(samples, 'messaging_metrics_source_up', { source: 'redis' })).toBe(0);
      expect(metric(samples, 'messaging_metrics_source_up', { source: 'postgres' })).toBe(1);
      expect(metric(samples, 'messaging_queue_depth', { state: 'wait' })).toBeUndefined();
      expect(metric(samples, 'messaging_outbox_pending')).toBe(0);
    } finally {
      await redisProxy.restore();
    }
    await waitFor('ready again', async () => (await readiness()).status === 200);
  });

  it('answers 503 naming Postgres when Postgres is unreachable, on the API port and the metrics port, and recovers', async () => {
    await postgresProxy.cut();
    try {
      for (const base of [gateway.url!, gateway.metricsUrl!]) {
        const started = Date.now();
        const down = await readiness(base);
        expect(down.status).toBe(503);
        expect(down.body.checks.postgres).toBe(false);
        expect(down.body.checks.migrations).toBe(false);
        expect(down.body.checks.redis).toBe(true);
        expect(down.body.errors.postgres).toEqual(expect.any(String));
        expect(Date.now() - started).toBeLessThan(5_000);
      }
    } finally {
      await postgresProxy.restore();
    }
    await waitFor('ready again', async () => (await readiness()).status === 200);
  });
});
