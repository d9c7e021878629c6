import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startGateway, type Gateway } from '../src/gateway.ts';
import { createLogger } from '../src/logger.ts';
import type { DeliveryView, EndpointView } from '../src/publisher/index.ts';
import { createTestDatabase } from './helpers/database.ts';
import { ADMIN_TOKEN, deleteRedisPrefix, testEnv } from './helpers/gateway.ts';
import { startGatewayProcess, waitStarted, type GatewayProcess } from './helpers/processes.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

type Breaker = { state: string; failures: number; successes: number };
type Transition = { from: string; to: string; reason: string; at: string };

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
let api: Gateway;
const workers: GatewayProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('breaker_procs');
  env = testEnv(database.url, {
    BREAKER_FAILURES: '5',
    BREAKER_OPEN_FOR: '1500ms',
    BREAKER_SUCCESSES: '2',
    RETRY_SCHEDULE: '1s,1s,2s,2s,4s',
    WORKER_CONCURRENCY: '10',
  });
  api = await startGateway({ config: loadConfig(env), role: 'api', logger: createLogger('silent') });
  workers.push(startGatewayProcess('worker', env), startGatewayProcess('worker', env));
  await Promise.all(workers.map(waitStarted));
}, 60_000);
afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGKILL')));
  await api?.close();
  await deleteRedisPrefix(env.QUEUE_PREFIX!);
  await database?.drop();
});

async function call<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${api.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return (await response.json()) as T;
}

describe('one breaker shared by two worker processes', () => {
  it('opens after 5 failures, sends no request while open, one trial at a time while half-open, closes after 2 successes', async () => {
    let healthy = false;
    let inFlight = 0;
    const intervals: { start: number; end: number; ok: boolean }[] = [];
    const receiver = await startReceiver(() => {
      inFlight++;
      const start = Date.now();
      const ok = healthy;
      return {
        status: ok ? 200 : 500,
        delayMs: 150,
        onSent: () => {
          inFlight--;
          intervals.push({ start, end: Date.now(), ok });
        },
      };
    });
    // Warm both workers up (connections, code paths) on another endpoint so first attempts are prompt.
    const warm = await startReceiver();
    await call<EndpointView>('/v1/endpoints', { url: warm.url, eventTypes: ['warm.up'] });
    await Promise.all(Array.from({ length: 40 }, (_, i) => call('/v1/events', { type: 'warm.up', payload: { i } })));
    await waitFor('warm-up deliveries', () => warm.requests.length === 40, 20_000);
    await warm.close();
    const ep = await call<EndpointView>('/v1/endpoints', { url: receiver.url, eventTypes: ['cb.test'] });

    // Five deliveries at once: five failing requests, and the breaker opens.
    await Promise.all(Array.from({ length: 5 }, (_, i) => call('/v1/events', { type: 'cb.test', payload: { i } })));
    await waitFor('breaker open', async () => (await call<Breaker>(`/v1/endpoints/${ep.id}/breaker`)).state === 'open', 10_000, 25);
    expect(receiver.requests).toHaveLength(5);

    // While open, deliveries fail fast without a request.
    await Promise.all(Array.from({ length: 10 }, (_, i) => call('/v1/events', { type: 'cb.test', payload: { more: i } })));
    await waitFor('fast failures recorded', async () => {
      const list = await call<{ data: DeliveryView[] }>(`/v1/deliveries?endpointId=${ep.id}&limit=100`);
      return list.data.filter((d) => d.attemptCount >= 1).length === 15;
    });
    expect(receiver.requests).toHaveLength(5);
    const sample = await call<{ data: DeliveryView[] }>(`/v1/deliveries?endpointId=${ep.id}&limit=100`);
    expect(sample.data.some((d) => d.lastError?.startsWith('circuit open'))).toBe(true);

    // The endpoint recovers; after the open period the trials go one at a time, and two successes close it.
    healthy = true;
    await waitFor('breaker closed', async () => (await call<Breaker>(`/v1/endpoints/${ep.id}/breaker`)).state === 'closed', 20_000, 25);
    await waitFor('every delivery succeeded', async () => {
      const list = await call<{ data: DeliveryView[] }>(`/v1/deliveries?endpointId=${ep.id}&limit=100`);
      return list.data.length === 15 && list.data.every((d) => d.status === 'succeeded');
    }, 20_000, 100);

    const transitions = (await call<{ data: Transition[] }>(`/v1/endpoints/${ep.id}/breaker/transitions`)).data.reverse();
    expect(transitions.map((t) => `${t.from}>${t.to}`)).toEqual(['closed>open', 'open>half_open', 'half_open>closed']);
    const halfOpenAt = Date.parse(transitions[1]!.at);
    const closedAt = Date.parse(transitions[2]!.at);
    const trials = intervals.filter((r) => r.start >= halfOpenAt - 5 && r.start <= closedAt).sort((a, b) => a.start - b.start);
    expect(trials).toHaveLength(2);
    expect(trials.every((t) => t.ok)).toBe(true);
    expect(trials[1]!.start).toBeGreaterThanOrEqual(trials[0]!.end);
    expect(inFlight).toBe(0);
    await receiver.close();
  }, 60_000);
});
