import type { AttemptOutcome } from './attempt-outcome.ts';

/** Why a delivery's attempt series ended without success. */
export type DeadReason = 'exhausted' | 'permanent_status' | 'endpoint_gone' | 'endpoint_disabled';

/** What the worker does after an attempt. */
export type NextStep =
  | { kind: 'succeeded' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'dead'; reason: DeadReason; disableEndpoint: boolean };

export type RetryPolicy = {
  /** Delays before retries 1..n; attempts in a series = schedule length + 1. */
  schedule: readonly number[];
  /** Status codes that end the series at once (the payload will not become acceptable). */
  permanentStatusCodes: readonly number[];
  /** Upper bound for an honoured `Retry-After`. */
  retryAfterMaxMs: number;
  /** Fraction of random extra delay (0 = exact schedule). */
  jitter: number;
};

/**
 * Decides what follows attempt number `attempt` (1-based, within its series):
 * - 2xx: succeeded.
 * - 410 Gone: dead at once, and the endpoint is disabled.
 * - a permanent status (default 400, 413, 422): dead at once.
 * - anything else (timeouts, network errors, 5xx, 429, other 4xx, 3xx, circuit open): retry after
 *   `schedule[attempt - 1]`, or `Retry-After` when that is longer (capped at `retryAfterMaxMs`);
 *   once the schedule is used up, dead as exhausted.
 */
export function decideNextStep(
  outcome: AttemptOutcome,
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): NextStep {
  if (outcome.ok) return { kind: 'succeeded' };
  if (outcome.reason === 'endpoint_disabled') return { kind: 'dead', reason: 'endpoint_disabled', disableEndpoint: false };
  if (outcome.status === 410) return { kind: 'dead', reason: 'endpoint_gone', disableEndpoint: true };
  if (outcome.reason === 'http_status' && outcome.status !== undefined && policy.permanentStatusCodes.includes(outcome.status))
    return { kind: 'dead', reason: 'permanent_status', disableEndpoint: false };
  const scheduled = policy.schedule[attempt - 1];
  if (scheduled === undefined) return { kind: 'dead', reason: 'exhausted', disableEndpoint: false };
  let delayMs = Math.round(scheduled * (1 + policy.jitter * random()));
  if (outcome.retryAfterMs !== undefined) delayMs = Math.max(delayMs, Math.min(outcome.retryAfterMs, policy.retryAfterMaxMs));
  return { kind: 'retry', delayMs };
}

/**
 * Parses a `Retry-After` header (delay in seconds, or an HTTP date) into milliseconds from `now`.
 * Returns undefined when absent or unparsable.
 */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
