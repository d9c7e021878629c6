import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_QUEUE } from '../../src/publisher/index.ts';
import { createTestDatabase } from '../helpers/database.ts';
import { deleteRedisPrefix, REDIS_URL, testEnv } from '../helpers/gateway.ts';
import { createEndpoint, faultOverrides, publishBurst, startProcess, waitForDelivery, type RunningProcess } from './helpers/gateway.ts';
import { startIdempotentReceiver, summarize } from './helpers/receiver.ts';

const BURST = 2_000;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
const processes: RunningProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('fault_sigterm');
  env = testEnv(database.url, faultOverrides());
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await deleteRedisPrefix(env.QUEUE_PREFIX!);
  await database?.drop();
});

describe('graceful shutdown (SIGTERM) under load', () => {
  it('loses nothing, leaves no job in flight and sends nothing twice, for a worker and for the api (rolling restart)', async () => {
    // 20 ms per request: the worker has a full set of deliveries in flight when it is told to stop.
    const receiver = await startIdempotentReceiver(() => ({ delayMs: 20 }));
    let api = await startProcess('api', env);
    processes.push(api);
    const endpoint = await createEndpoint(api.url!, receiver.url, ['term.*']);
    receiver.secrets.push(endpoint.secret);
    const first = await startProcess('worker', env);
    processes.push(first);
    const queue = new Queue(DELIVERY_QUEUE, { connection: { url: REDIS_URL }, prefix: env.QUEUE_PREFIX! });

    let workerExit: number | null | undefined;
    let activeAfterExit = -1;
    let apiReplaced = false;
    let apiExit: number | null = null;
    const burst = await publishBurst(() => api.url!, {
      count: BURST,
      type: 'term.event',
      concurrency: 20,
      during: async (answered) => {
        if (workerExit === undefined && receiver.processed.size >= 300) {
          workerExit = null;
          workerExit = await first.stop('SIGTERM');
          activeAfterExit = (await queue.getJobCounts('active')).active!;
        }
        if (!apiReplaced && answered >= BURST / 2) {
          apiReplaced = true;
          // A rolling restart: new requests go to the next api process, the old one finishes those in flight.
          const next = await startProcess('api', env);
          processes.push(next);
          const old = api;
          api = next;
          apiExit = await old.stop('SIGTERM');
        }
      },
    });
    expect(workerExit).toBe(0);
    // Every job the stopped worker had taken was finished and recorded before it exited.
    expect(activeAfterExit).toBe(0);
    const deliveredByFirst = receiver.wire.length;
    expect(deliveredByFirst).toBeLessThan(BURST);
    expect(apiExit).toBe(0);
    // Requests in flight at the stopping api were all answered.
    expect(burst.statuses).toEqual({ 202: BURST });

    processes.push(await startProcess('worker', env));
    await waitForDelivery('every accepted event processed', () => burst.accepted.every((id) => receiver.processed.has(id)), 60_000, {
      databaseUrl: database.url,
      redisUrl: REDIS_URL,
      prefix: env.QUEUE_PREFIX!,
      processes,
    });
    const summary = summarize('SIGTERM of a worker and of the api under load', burst.accepted, receiver, {
      deliveredBeforeWorkerStop: deliveredByFirst,
    });
    expect(summary.lost).toBe(0);
    expect(summary.processedTwice).toBe(0);
    // A graceful stop finishes what it started: no request is ever repeated.
    expect(summary.wire).toBe(summary.delivered);
    await queue.close();
    await receiver.close();
  }, 180_000);
});
