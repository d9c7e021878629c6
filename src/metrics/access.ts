import { timingSafeEqual } from 'node:crypto';

/** What `/metrics` serves: the Prometheus text of a registry. */
export type MetricsSource = { render(): Promise<string>; contentType: string };

/**
 * Checks an `Authorization` header against `METRICS_TOKEN` in constant time; without a token
 * every request is allowed (metrics open, the common Prometheus setup on a private network).
 */
export function metricsAccess(token: string | undefined): (authorization: string | undefined) => boolean {
  const expected = token ? Buffer.from(token) : undefined;
  return (authorization) => {
    if (!expected) return true;
    const given = Buffer.from(/^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1]?.trim() ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}
