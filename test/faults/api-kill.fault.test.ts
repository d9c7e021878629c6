import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import { deleteRedisPrefix, testEnv } from '../helpers/gateway.ts';
import { createEndpoint, faultOverrides, publishBurst, startProcess, waitForDelivery, type RunningProcess } from './helpers/gateway.ts';
import { startIdempotentReceiver, summarize } from './helpers/receiver.ts';

const KILL_AFTER = 300;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
const processes: RunningProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('fault_api_kill');
  env = testEnv(database.url, faultOverrides());
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await deleteRedisPrefix(env.QUEUE_PREFIX!);
  await database?.drop();
});

describe('the api process killed between commit and enqueue', () => {
  it('loses nothing: the reconciler queues the events that were committed but never queued', async () => {
    const receiver = await startIdempotentReceiver();
    // The first API registers the endpoint; the second one dies right after its 300th publish commit.
    const setup = await startProcess('api', env);
    processes.push(setup);
    const endpoint = await createEndpoint(setup.url!, receiver.url, ['kill.*']);
    receiver.secrets.push(endpoint.secret);
    await setup.stop('SIGTERM');
    const api = await startProcess('api', { ...env, FAULT_KILL_AFTER_COMMITS: String(KILL_AFTER) });
    processes.push(api);
    processes.push(await startProcess('worker', env));

    const burst = await publishBurst(() => api.url!, { count: 600, type: 'kill.event', concurrency: 20 });
    await waitForDelivery('the api process dead', () => api.child.signalCode === 'SIGKILL', 10_000, {
      databaseUrl: database.url,
      redisUrl: env.REDIS_URL!,
      prefix: env.QUEUE_PREFIX!,
    });
    // Answers stop at the kill: at most the commits before it were answered 202, the rest got no response.
    expect(burst.accepted.length).toBeLessThan(KILL_AFTER);
    expect(burst.statuses[202]! + burst.statuses[0]!).toBe(600);

    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    const committed = (await sql<{ id: string }[]>`select id from events`).map((row) => row.id);
    await sql.end();
    expect(committed.length).toBeGreaterThanOrEqual(KILL_AFTER);
    const unanswered = committed.filter((id) => !burst.accepted.includes(id));
    expect(unanswered.length).toBeGreaterThan(0);

    await waitForDelivery('every committed event processed', () => committed.every((id) => receiver.processed.has(id)), 60_000, {
      databaseUrl: database.url,
      redisUrl: env.REDIS_URL!,
      prefix: env.QUEUE_PREFIX!,
      processes,
    });
    // Those never queued waited for the reconciler: their first attempt came after its grace period (1 s).
    const check = postgres(database.url, { max: 1, onnotice: () => {} });
    const [late] = await check<{ n: number }[]>`
      select count(*)::int as n from deliveries d join events e on e.id = d.event_id
      where d.last_attempt_at - e.created_at >= interval '1 second'`;
    await check.end();
    expect(late?.n).toBeGreaterThan(0);
    const summary = summarize('api SIGKILL between commit and enqueue', burst.accepted, receiver, {
      committed: committed.length,
      committedButUnanswered: unanswered.length,
      queuedByReconciler: late?.n,
    });
    expect(summary.lost).toBe(0);
    expect(summary.processedTwice).toBe(0);
    expect(receiver.wire.length).toBe(committed.length);
    await receiver.close();
  }, 120_000);
});
