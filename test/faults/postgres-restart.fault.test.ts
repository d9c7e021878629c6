import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/db/index.ts';
import { deleteRedisPrefix, testEnv } from '../helpers/gateway.ts';
import { createEndpoint, faultOverrides, publishBurst, startProcess, waitForDelivery, type RunningProcess } from './helpers/gateway.ts';
import { startIdempotentReceiver, summarize } from './helpers/receiver.ts';
import { startPostgresCluster, type PostgresCluster } from './helpers/services.ts';

const BURST = 3_000;
let cluster: PostgresCluster;
let env: Record<string, string>;
const processes: RunningProcess[] = [];

beforeAll(async () => {
  cluster = await startPostgresCluster();
  await migrateDatabase(cluster.url('gateway'));
  env = testEnv(cluster.url('gateway'), faultOverrides());
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  await deleteRedisPrefix(env.QUEUE_PREFIX!);
  await cluster?.close();
});

describe('Postgres restarted in the middle of a burst', () => {
  it('answers 503 (never 202) while it is down, the workers resume by themselves, and nothing accepted is lost', async () => {
    const receiver = await startIdempotentReceiver(() => ({ delayMs: 5 }));
    const api = await startProcess('api', env);
    processes.push(api);
    const endpoint = await createEndpoint(api.url!, receiver.url, ['pg.*']);
    receiver.secrets.push(endpoint.secret);
    const worker = await startProcess('worker', env);
    processes.push(worker);

    let phase: 'before' | 'down' | 'after' = 'before';
    let downSince = 0;
    let downFor = 0;
    let refusedWhileDown = 0;
    const burst = await publishBurst(() => api.url!, {
      count: BURST,
      type: 'pg.event',
      concurrency: 20,
      during: async (_answered, status) => {
        if (phase === 'before' && receiver.processed.size >= 300) {
          phase = 'down';
          // A crash: no checkpoint, connections cut, recovery from the WAL at the next start.
          await cluster.stop('immediate');
          downSince = Date.now();
        } else if (phase === 'down') {
          if (status === 503) refusedWhileDown++;
          if (refusedWhileDown >= 100 && Date.now() - downSince >= 2_000) {
            phase = 'after';
            downFor = Date.now() - downSince;
            await cluster.start();
          }
        }
      },
    });
    expect(phase).toBe('after');
    // Only two answers exist: 202 after the commit, 503 when the database is unavailable.
    expect(burst.failures).toEqual([]);
    expect(Object.keys(burst.statuses).sort()).toEqual(['202', '503']);
    expect(refusedWhileDown).toBeGreaterThanOrEqual(100);

    const sql = postgres(cluster.url('gateway'), { max: 1, onnotice: () => {} });
    try {
      // Every 202 named a committed event.
      const committed = new Set((await sql<{ id: string }[]>`select id from events`).map((row) => row.id));
      expect(burst.accepted.filter((id) => !committed.has(id))).toEqual([]);
      // The worker was never restarted: it resumes on its own and delivers every committed event.
      await waitForDelivery('every committed event processed', () => [...committed].every((id) => receiver.processed.has(id)), 60_000, {
        databaseUrl: cluster.url('gateway'),
        redisUrl: env.REDIS_URL!,
        prefix: env.QUEUE_PREFIX!,
        processes,
      });
      const summary = summarize('Postgres crash-restart mid-burst', burst.accepted, receiver, {
        answered503: burst.statuses[503],
        committedWithout202: committed.size - burst.accepted.length,
        postgresDownMs: downFor,
      });
      expect(summary.lost).toBe(0);
      expect(summary.processedTwice).toBe(0);
      expect(receiver.forged).toBe(0);
      expect(worker.child.exitCode).toBeNull();
      const [stuck] = await sql<{ n: number }[]>`select count(*)::int as n from deliveries where status <> 'succeeded'`;
      expect(stuck?.n).toBe(0);
    } finally {
      await sql.end();
    }
    await receiver.close();
  }, 240_000);
});
