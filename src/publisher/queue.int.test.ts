/**
 * The delivery queue against the real Redis: a few jobs are added one by one, many in one MULTI;
 * both paths must give each attempt its deterministic id, keep a job already in Redis as it is, and
 * time a delayed job from the given instant.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix, REDIS_URL } from '../../test/helpers/gateway.ts';
import { createDeliveryQueue, deliveryJobId, type DeliveryJob, type DeliveryQueue } from './queue.ts';

const prefix = `queuetest${randomUUID().slice(0, 8)}`;
let redis: Redis;
let queue: DeliveryQueue;

beforeAll(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  queue = createDeliveryQueue({ connection: redis, prefix });
  await queue.queue.waitUntilReady();
});

afterAll(async () => {
  await queue.close();
  redis.disconnect();
  await deleteRedisPrefix(prefix);
});

const jobsOf = (count: number): DeliveryJob[] => Array.from({ length: count }, () => ({ deliveryId: randomUUID(), series: 1, attempt: 1, endpointId: randomUUID() }));

// 3 goes job by job, 40 in one MULTI.
describe.each([3, 40])('enqueue of %i jobs', (count) => {
  it('adds each attempt under its own id once, with its data, however often it is enqueued', async () => {
    const jobs = jobsOf(count);
    await queue.enqueue(jobs);
    const before = await queue.queue.getJobCountByTypes('waiting');
    // Again, and once more with a later attempt of the first: only that one is new.
    await queue.enqueue(jobs);
    await queue.enqueue([...jobs, { ...jobs[0]!, attempt: 2 }]);
    expect(await queue.queue.getJobCountByTypes('waiting')).toBe(before + 1);
    for (const job of [...jobs, { ...jobs[0]!, attempt: 2 }]) {
      const stored = await queue.queue.getJob(deliveryJobId(job));
      expect(stored?.data).toEqual(job);
      expect(stored?.opts.attempts).toBe(6);
    }
  });

  it('delays each job from the given instant, not from when Redis got it', async () => {
    const jobs = jobsOf(count);
    const from = Date.now() - 30_000;
    await queue.enqueue(jobs, 60_000, from);
    for (const job of jobs) {
      const stored = await queue.queue.getJob(deliveryJobId(job));
      expect(await stored?.getState()).toBe('delayed');
      expect(stored?.timestamp).toBe(from);
      expect(stored?.delay).toBe(60_000);
    }
  });
});

describe('enqueue when Redis blips', () => {
  it('retries in place: jobs added while the connection is being re-established are in Redis', async () => {
    // Reconnects 10 ms after a drop, sooner than the first retry (50 ms).
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 10 });
    const flaky = createDeliveryQueue({ connection, prefix });
    try {
      await flaky.queue.waitUntilReady();
      const jobs = jobsOf(2);
      // Dropped and reconnecting: a command sent now fails at once (no offline queue).
      connection.disconnect(true);
      await expect(connection.ping()).rejects.toThrow();
      await flaky.enqueue(jobs);
      for (const job of jobs) expect(await queue.queue.getJob(deliveryJobId(job))).toBeDefined();
    } finally {
      await flaky.close();
      connection.disconnect();
    }
  });

  it('gives up after its retries (150 ms) when Redis stays away, leaving the deliveries to the reconciler', async () => {
    const connection = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    const gone = createDeliveryQueue({ connection, prefix });
    const started = Date.now();
    try {
      await expect(gone.enqueue(jobsOf(1))).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      connection.disconnect();
    }
  });
});
