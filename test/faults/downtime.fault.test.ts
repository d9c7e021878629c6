import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import { deleteRedisPrefix, REDIS_URL, testEnv } from '../helpers/gateway.ts';
import { waitFor } from '../helpers/wait.ts';
import { createEndpoint, faultOverrides, publishBurst, startProcess, waitForDelivery, type RunningProcess } from './helpers/gateway.ts';
import { startIdempotentReceiver, summarize } from './helpers/receiver.ts';

const EVENTS = 30;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
let api: RunningProcess;
const processes: RunningProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('fault_downtime');
  env = testEnv(database.url, faultOverrides());
  api = await startProcess('api', env);
  processes.push(api);
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await deleteRedisPrefix(env.QUEUE_PREFIX!);
  await database?.drop();
});

/**
 * Every webhook's first request is answered 503 with a Retry-After of 3, 5 or 4 s in turn, so the
 * retries fall due in an order unlike the order of publishing. All workers stop before the first is
 * due and come back (one worker, one delivery at a time) after the last one is due.
 */
async function downtime(label: string, type: string, loseRedis: boolean): Promise<void> {
  let firsts = 0;
  const receiver = await startIdempotentReceiver((_id, copy) =>
    copy === 1 ? { status: 503, headers: { 'retry-after': String([3, 5, 4][firsts++ % 3]) } } : {},
  );
  const endpoint = await createEndpoint(api.url!, receiver.url, [type]);
  receiver.secrets.push(endpoint.secret);
  const first = await startProcess('worker', env);
  processes.push(first);
  const burst = await publishBurst(() => api.url!, { count: EVENTS, type, concurrency: 10 });
  expect(burst.accepted).toHaveLength(EVENTS);

  const sql = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    const due = () => sql<{ id: string; due_ms: number }[]>`
      select id, (extract(epoch from next_attempt_at) * 1000)::float8 as due_ms from deliveries
      where endpoint_id = ${endpoint.id} and status = 'failed' and attempt_count = 1 order by next_attempt_at`;
    await waitFor('every first attempt recorded', async () => (await due()).length === EVENTS, 10_000, 20);
    expect(await first.stop('SIGTERM')).toBe(0);
    const schedule = await due();
    // Every worker was down before the first retry fell due.
    expect(Date.now()).toBeLessThan(schedule[0]!.due_ms);
    if (loseRedis) await deleteRedisPrefix(env.QUEUE_PREFIX!);
    // Wait until every retry is overdue (and past the reconciler's grace), then bring one worker back.
    await new Promise((resolve) => setTimeout(resolve, schedule.at(-1)!.due_ms - Date.now() + 1_500));
    const second = await startProcess('worker', { ...env, WORKER_CONCURRENCY: '1' });
    processes.push(second);
    await waitForDelivery('every event delivered', () => burst.accepted.every((id) => receiver.processed.has(id)), 30_000, {
      databaseUrl: database.url,
      redisUrl: REDIS_URL,
      prefix: env.QUEUE_PREFIX!,
      processes,
    });
    const retries = receiver.wire.filter((request, index) => receiver.wire.findIndex((r) => r.webhookId === request.webhookId) !== index);
    // In order of due time: each retry was due no later than the next one sent (same-millisecond ties in any order).
    const dueOf = new Map(schedule.map((row) => [row.id, row.due_ms]));
    const dueInSendOrder = retries.map((request) => dueOf.get(request.webhookId)!);
    expect(dueInSendOrder).toEqual([...dueInSendOrder].sort((a, b) => a - b));
    expect(new Set(retries.map((request) => request.webhookId))).toEqual(new Set(dueOf.keys()));
    // The schedule really differs from the order of the first attempts.
    const firstOrder = receiver.wire.slice(0, EVENTS).map((request) => request.webhookId);
    expect(firstOrder).not.toEqual(schedule.map((row) => row.id));
    const summary = summarize(label, burst.accepted, receiver, { retriesSentInDueOrder: retries.length });
    expect(summary.lost).toBe(0);
    expect(summary.processedTwice).toBe(0);
    expect(summary.wire).toBe(2 * EVENTS);
    // Every worker down again for the next case.
    expect(await second.stop('SIGTERM')).toBe(0);
  } finally {
    await sql.end();
    await receiver.close();
  }
}

describe('deliveries that fell due while every worker was down', () => {
  it('are sent when a worker returns, in order of due time (retry jobs kept in Redis)', () => downtime('downtime, Redis kept', 'down.kept', false), 60_000);

  it('are sent in order of due time when Redis lost their jobs meanwhile (reconciler from Postgres)', () =>
    downtime('downtime, Redis emptied', 'down.lost', true), 60_000);
});
