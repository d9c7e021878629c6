import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.ts';
import { startGateway, type Gateway } from '../src/gateway.ts';
import { createLogger } from '../src/logger.ts';
import type { DeadLetterView, EndpointView } from '../src/publisher/index.ts';
import { createTestDatabase } from './helpers/database.ts';
import { ADMIN_TOKEN, deleteRedisPrefix, testEnv } from './helpers/gateway.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let config: Config;
let gateway: Gateway;
const lines: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase('secret_logs');
  config = loadConfig(testEnv(database.url, { LOG_LEVEL: 'trace', BREAKER_FAILURES: '3', RETRY_SCHEDULE: '50ms,50ms' }));
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  gateway = await startGateway({ config, role: 'all', logger: createLogger('trace', {}, sink) });
});
afterAll(async () => {
  await gateway?.close();
  await deleteRedisPrefix(config.queuePrefix);
  await database?.drop();
});

async function call<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as T;
}

describe('logs', () => {
  it('never contain a signing secret, the admin token or the secrets key, through a full run at trace level', async () => {
    const healthy = await startReceiver();
    const failing = await startReceiver(() => ({ status: 500 }));
    const good = await call<EndpointView & { secret: string }>('/v1/endpoints', { url: healthy.url, eventTypes: ['log.*'] });
    const bad = await call<EndpointView & { secret: string }>('/v1/endpoints', { url: failing.url, eventTypes: ['log.*'] });
    const rotated = await call<{ secret: string }>(`/v1/endpoints/${good.id}/secret/rotate`, { graceSeconds: 60 });
    const current = await call<{ secret: string }>(`/v1/endpoints/${bad.id}/secret`);
    for (let i = 0; i < 4; i++) await call('/v1/events', { type: 'log.event', payload: { i } });
    await waitFor('dead letters', async () => (await call<{ data: DeadLetterView[] }>(`/v1/dead-letters?endpointId=${bad.id}`)).data.length === 4, 15_000, 50);
    await call('/v1/dead-letters/redeliver', { endpointId: bad.id });
    await call('/v1/events', { type: 'log..bad', payload: {} });
    await waitFor('healthy deliveries', () => healthy.requests.length === 4);
    await new Promise((resolve) => setTimeout(resolve, 300));

    const text = lines.join('');
    expect(text).toContain('delivery attempt failed');
    expect(text).toContain('circuit breaker transition');
    expect(text).toContain('delivery dead-lettered');
    for (const secret of [good.secret, bad.secret, rotated.secret, current.secret]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(6)); // the base64 key without the whsec_ prefix
    }
    expect(text).not.toContain(ADMIN_TOKEN);
    expect(text).not.toContain(config.secretsKey!);
    await healthy.close();
    await failing.close();
  });
});
