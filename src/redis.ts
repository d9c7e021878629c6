import { Redis } from 'ioredis';

/**
 * Opens a Redis connection for BullMQ. Producers (`role: 'producer'`) fail fast while Redis is down
 * instead of buffering commands; workers (`role: 'worker'`) wait and reconnect, as BullMQ requires.
 */
export function createRedis(url: string, role: 'producer' | 'worker'): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: role === 'worker' ? null : 1,
    enableOfflineQueue: role === 'worker',
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: false,
  });
}
