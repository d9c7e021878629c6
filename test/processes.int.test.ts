import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryView, EndpointView } from '../src/publisher/index.ts';
import { createTestDatabase } from './helpers/database.ts';
import { ADMIN_TOKEN, deleteRedisPrefix, testEnv } from './helpers/gateway.ts';
import { startGatewayProcess, waitStarted, type GatewayProcess } from './helpers/processes.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
const procs: GatewayProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('processes');
  env = testEnv(database.url, { WORKER_CONCURRENCY: '4' });
});
afterAll(async () => {
  await Promise.all(procs.map((proc) => proc.stop('SIGKILL')));
  await deleteRedisPrefix(env.QUEUE_PREFIX!);
  await database.drop();
});

describe('api and worker as separate processes', () => {
  it('delivers through an api process and a worker process, and the worker drains in-flight work on SIGTERM', async () => {
    const receiver = await startReceiver((_, index) => (index === 1 ? { status: 200, delayMs: 700 } : { status: 200 }));
    const api = startGatewayProcess('api', env);
    const worker = startGatewayProcess('worker', env);
    procs.push(api, worker);
    const url = await waitStarted(api);
    await waitStarted(worker);
    const call = async <T>(path: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const response = await fetch(`${url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T };
    };

    const ep = await call<EndpointView>('/v1/endpoints', { url: receiver.url });
    expect(ep.status).toBe(201);
    expect((await call('/v1/events', { type: 'proc.first', payload: { n: 1 } })).status).toBe(202);
    await waitFor('first delivery', () => receiver.requests.length === 1, 10_000);

    // The second webhook is answered slowly; SIGTERM arrives while it is in flight.
    expect((await call('/v1/events', { type: 'proc.second', payload: { n: 2 } })).status).toBe(202);
    await waitFor('second delivery in flight', () => receiver.requests.length === 2, 10_000);
    expect(await worker.stop('SIGTERM')).toBe(0);
    const deliveries = await call<{ data: DeliveryView[] }>(`/v1/deliveries?endpointId=${ep.body.id}`);
    expect(deliveries.body.data.map((d) => [d.status, d.attemptCount])).toEqual([
      ['succeeded', 1],
      ['succeeded', 1],
    ]);
    expect(await api.stop('SIGTERM')).toBe(0);
    await receiver.close();
  }, 60_000);
});
