import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import { testEnv } from '../helpers/gateway.ts';
import { waitFor } from '../helpers/wait.ts';
import { createEndpoint, faultOverrides, publishBurst, startProcess, type RunningProcess } from './helpers/gateway.ts';
import { startIdempotentReceiver, summarize } from './helpers/receiver.ts';
import { startRedisServer, type RedisServer } from './helpers/services.ts';

const BURST = 3_000;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let redis: RedisServer;
let env: Record<string, string>;
const processes: RunningProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('fault_redis_loss');
  redis = await startRedisServer();
  env = testEnv(database.url, faultOverrides({ REDIS_URL: redis.url }));
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await redis?.close();
  await database?.drop();
});

describe('Redis killed in the middle of a burst and restarted empty', () => {
  it('keeps answering 202 after each commit while Redis is down, and the reconciler re-queues everything from Postgres', async () => {
    const receiver = await startIdempotentReceiver(() => ({ delayMs: 5 }));
    const api = await startProcess('api', env);
    processes.push(api);
    const endpoint = await createEndpoint(api.url!, receiver.url, ['redis.*']);
    receiver.secrets.push(endpoint.secret);
    const worker = await startProcess('worker', env);
    processes.push(worker);

    let phase: 'before' | 'down' | 'after' = 'before';
    let downSince = 0;
    let acceptedWhileDown = 0;
    let downFor = 0;
    const burst = await publishBurst(() => api.url!, {
      count: BURST,
      type: 'redis.event',
      concurrency: 20,
      during: async (answered, status) => {
        if (phase === 'before' && receiver.processed.size >= 200) {
          await redis.kill();
          phase = 'down';
          downSince = Date.now();
        } else if (phase === 'down') {
          if (status === 202) acceptedWhileDown++;
          // Restart it (empty) once the API has kept accepting for a while without it (2 s, or
          // until the burst is nearly over on a fast machine).
          if (acceptedWhileDown >= 500 && (Date.now() - downSince >= 2_000 || answered >= BURST - 100)) {
            phase = 'after';
            downFor = Date.now() - downSince;
            await redis.start();
          }
        }
      },
    });
    expect(phase).toBe('after');
    // Every publish was answered 202, also while Redis was down: the commit does not depend on Redis.
    expect(burst.statuses).toEqual({ 202: BURST });
    expect(acceptedWhileDown).toBeGreaterThanOrEqual(500);

    await waitFor('every accepted event processed', () => burst.accepted.every((id) => receiver.processed.has(id)), 120_000, 200);
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    const [row] = await sql<{ committed: number }[]>`select count(*)::int as committed from events`;
    await sql.end();
    expect(row?.committed).toBe(burst.accepted.length);
    const summary = summarize('Redis SIGKILL mid-burst, restarted empty', burst.accepted, receiver, { acceptedWhileRedisDown: acceptedWhileDown, redisDownMs: downFor });
    expect(summary.lost).toBe(0);
    // Neither process was restarted: both rode out the outage.
    expect([api.child.exitCode, worker.child.exitCode]).toEqual([null, null]);
    expect(summary.processedTwice).toBe(0);
    expect(receiver.forged).toBe(0);
    await receiver.close();
  }, 240_000);
});
