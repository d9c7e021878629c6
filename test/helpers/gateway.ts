import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../src/config.ts';
import { startGateway, type Gateway, type Role } from '../../src/gateway.ts';
import { createLogger } from '../../src/logger.ts';
import { createTestDatabase } from './database.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Test configuration: its own queue prefix, a port chosen by the OS, quiet logs, fast reconciling. */
export function testEnv(databaseUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: `t${randomBytes(5).toString('hex')}`,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RETRY_SCHEDULE: '100ms,200ms,300ms,400ms,500ms',
    RECONCILE_INTERVAL: '200ms',
    RECONCILE_GRACE: '500ms',
    DELIVERY_TIMEOUT: '2s',
    // Test receivers listen on 127.0.0.1.
    ALLOW_PRIVATE_TARGETS: 'true',
    // Endpoint secrets sealed at rest, as in production.
    SECRETS_KEY: randomBytes(32).toString('base64'),
    ...overrides,
  };
}

export type ApiInit = { method?: string; body?: unknown; headers?: Record<string, string> };
export type ErrorBody = { error: { code: string; message: string } };

export type TestGateway = Gateway & {
  config: Config;
  /** Calls the API as admin; `T` is the expected body (the API's own view types). */
  api<T = ErrorBody>(path: string, init?: ApiInit): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
};

/** Starts an in-process gateway on a fresh database; `stop()` closes it, drops the database and its Redis keys. */
export async function startTestGateway(label: string, overrides: Record<string, string> = {}, role: Role = 'all'): Promise<TestGateway> {
  const database = await createTestDatabase(label);
  const config = loadConfig(testEnv(database.url, overrides));
  const gateway = await startGateway({ config, role, logger: createLogger(config.logLevel) });
  return {
    ...gateway,
    config,
    async api<T>(path: string, init: ApiInit = {}) {
      const response = await fetch(`${gateway.url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
        body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
    },
    async stop() {
      await gateway.close();
      await deleteRedisPrefix(config.queuePrefix);
      await database.drop();
    },
  };
}

/** Deletes every Redis key under a queue prefix: for cleanup, and to simulate losing Redis. */
export async function deleteRedisPrefix(prefix: string): Promise<number> {
  const redis = new Redis(REDIS_URL);
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
