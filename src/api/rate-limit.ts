import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../clock.ts';
import type { AuthEnv } from './auth.ts';
import { errorBody } from './errors.ts';

/**
 * Per-token rate limit (token bucket, in this process): `ratePerSecond` sustained, bursts up to
 * `burst`. Over the limit: 429 `rate_limited` with `Retry-After` (seconds). Kept in memory so it
 * costs no round trip and keeps working when Redis is down; with N API processes a token may
 * reach N times the rate. `ratePerSecond` 0 turns it off.
 */
export function rateLimit(options: { ratePerSecond: number; burst: number; clock: Clock }): MiddlewareHandler<AuthEnv> {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return async (c, next) => {
    if (options.ratePerSecond <= 0) return next();
    const key = c.var.scope.actor;
    const now = options.clock.now();
    const bucket = buckets.get(key) ?? { tokens: options.burst, at: now };
    bucket.tokens = Math.min(options.burst, bucket.tokens + ((now - bucket.at) / 1000) * options.ratePerSecond);
    bucket.at = now;
    if (bucket.tokens < 1) {
      buckets.set(key, bucket);
      c.header('Retry-After', String(Math.max(1, Math.ceil((1 - bucket.tokens) / options.ratePerSecond))));
      return c.json(errorBody('rate_limited', `more than ${options.ratePerSecond} requests per second for this token`), 429);
    }
    bucket.tokens -= 1;
    if (buckets.size >= 10_000 && !buckets.has(key)) buckets.delete(buckets.keys().next().value ?? '');
    buckets.set(key, bucket);
    return next();
  };
}
