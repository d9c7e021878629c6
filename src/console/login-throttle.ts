import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { Clock } from '../clock.ts';

const MAX_TRACKED = 10_000;

/** The client's address as the socket sees it (behind a proxy: the proxy's), or `unknown` outside a Node server. */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Slows down guessing the admin token: after `maxFailures` failed logins from one address within
 * `windowMs`, that address may not try again until the window has passed (in this process).
 */
export function createLoginThrottle({ clock, maxFailures = 10, windowMs = 60_000 }: { clock: Clock; maxFailures?: number; windowMs?: number }) {
  const failures = new Map<string, { count: number; since: number }>();
  return {
    /** Milliseconds until `key` may try again; 0 when it may now. */
    blockedFor(key: string): number {
      const entry = failures.get(key);
      if (!entry) return 0;
      const left = entry.since + windowMs - clock.now();
      if (left <= 0) {
        failures.delete(key);
        return 0;
      }
      return entry.count >= maxFailures ? left : 0;
    },
    failed(key: string): void {
      const now = clock.now();
      const entry = failures.get(key);
      if (entry && now - entry.since < windowMs) entry.count++;
      else {
        if (failures.size >= MAX_TRACKED) failures.delete(failures.keys().next().value ?? '');
        failures.set(key, { count: 1, since: now });
      }
    },
    succeeded(key: string): void {
      failures.delete(key);
    },
  };
}
