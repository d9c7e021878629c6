import { Redis } from 'ioredis';

/**
 * Opens a Redis connection for BullMQ. Producers (`role: 'producer'`) give up on a command after one
 * reconnection attempt or 5 s, so nothing waits long on a Redis outage (Postgres holds the work and
 * the reconciler re-queues it); workers (`role: 'worker'`) wait and reconnect, as BullMQ requires.
 */
export function createRedis(url: string, role: 'producer' | 'worker'): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    commandTimeout: role === 'worker' ? undefined : 5_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  });
}
