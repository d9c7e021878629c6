import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startGateway, type Gateway } from '../src/gateway.ts';
import { createLogger } from '../src/logger.ts';
import type { EndpointView } from '../src/publisher/index.ts';
import { createTestDatabase } from './helpers/database.ts';
import { ADMIN_TOKEN, deleteRedisPrefix, testEnv } from './helpers/gateway.ts';
import { startGatewayProcess, waitStarted, type GatewayProcess } from './helpers/processes.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
let api: Gateway;
const workers: GatewayProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('crash');
  env = testEnv(database.url, { WORKER_CONCURRENCY: '20', JOB_LOCK_DURATION: '2s', BREAKER_FAILURES: '1000' });
  api = await startGateway({ config: loadConfig(env), role: 'api', logger: createLogger('silent') });
});
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGKILL')));
  await api?.close();
  await deleteRedisPrefix(env.QUEUE_PREFIX!);
  await database?.drop();
});

describe('a worker killed with SIGKILL mid-burst', () => {
  it('loses nothing: every accepted event is delivered once the worker is replaced', async () => {
    // Each request takes 20 ms, so the burst is still in flight when the worker dies.
    const receiver = await startReceiver(() => ({ status: 200, delayMs: 20 }));
    const post = (path: string, body: unknown) =>
      fetch(`${api.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await post('/v1/endpoints', { url: receiver.url, eventTypes: ['crash.*'] }).then((r) => r.json() as Promise<EndpointView>);
    const first = startGatewayProcess('worker', env);
    workers.push(first);
    await waitStarted(first);

    const accepted: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => post('/v1/events', { type: 'crash.event', payload: { batch, i } })));
      for (const response of responses) if (response.status === 202) accepted.push(((await response.json()) as { id: string }).id);
    }
    expect(accepted).toHaveLength(500);
    await waitFor('part of the burst delivered', () => receiver.requests.length >= 100, 20_000, 10);
    await first.stop('SIGKILL');
    const atKill = receiver.requests.length;
    expect(atKill).toBeLessThan(500);

    const second = startGatewayProcess('worker', env);
    workers.push(second);
    await waitStarted(second);
    const received = () => new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { id: string }).id));
    await waitFor('every accepted event delivered', () => accepted.every((id) => received().has(id)), 45_000, 100);
    const duplicates = receiver.requests.length - received().size;
    // Only requests in flight at the kill can be repeated (at most the worker's concurrency).
    expect(duplicates).toBeLessThanOrEqual(20);
    await receiver.close();
  }, 90_000);
});
