import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from './attempt-outcome.ts';
import { decideNextStep, parseRetryAfter, type RetryPolicy } from './retry-schedule.ts';

const MIN = 60_000;
const policy: RetryPolicy = {
  schedule: [1 * MIN, 5 * MIN, 30 * MIN, 120 * MIN, 720 * MIN],
  permanentStatusCodes: [400, 413, 422],
  retryAfterMaxMs: 24 * 60 * MIN,
  jitter: 0,
};
const status = (code: number, extra: Partial<AttemptOutcome> = {}): AttemptOutcome =>
  ({ ok: false, reason: 'http_status', message: `HTTP ${code}`, durationMs: 1, status: code, ...extra }) as AttemptOutcome;
const timeout: AttemptOutcome = { ok: false, reason: 'timeout', message: 'timed out', durationMs: 30_000 };

describe('decideNextStep', () => {
  it('follows 1m, 5m, 30m, 2h, 12h and then dead-letters (6 attempts)', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => decideNextStep(timeout, attempt, policy));
    expect(delays).toEqual([1, 5, 30, 120, 720].map((m) => ({ kind: 'retry', delayMs: m * MIN })));
    expect(decideNextStep(timeout, 6, policy)).toEqual({ kind: 'dead', reason: 'exhausted', disableEndpoint: false });
  });

  it('succeeds on 2xx', () => {
    expect(decideNextStep({ ok: true, status: 204, durationMs: 3, responseBody: '' }, 1, policy)).toEqual({ kind: 'succeeded' });
  });

  it('retries 5xx, network errors, 404 and redirects on the schedule', () => {
    for (const outcome of [
      status(500),
      status(503),
      status(404),
      status(401),
      { ok: false, reason: 'network_error', message: 'ECONNREFUSED', durationMs: 1 } as const,
      { ok: false, reason: 'redirect', message: '302', status: 302, durationMs: 1 } as const,
    ])
      expect(decideNextStep(outcome, 2, policy)).toEqual({ kind: 'retry', delayMs: 5 * MIN });
  });

  it('sends permanent statuses straight to the dead letters', () => {
    for (const code of [400, 413, 422])
      expect(decideNextStep(status(code), 1, policy)).toEqual({ kind: 'dead', reason: 'permanent_status', disableEndpoint: false });
  });

  it('dead-letters and disables the endpoint on 410 Gone', () => {
    expect(decideNextStep(status(410), 1, policy)).toEqual({ kind: 'dead', reason: 'endpoint_gone', disableEndpoint: true });
  });

  it('honours a longer Retry-After, bounded by the maximum', () => {
    expect(decideNextStep(status(429, { retryAfterMs: 10 * MIN }), 1, policy)).toEqual({ kind: 'retry', delayMs: 10 * MIN });
    expect(decideNextStep(status(429, { retryAfterMs: 10_000 }), 1, policy)).toEqual({ kind: 'retry', delayMs: 1 * MIN });
    expect(decideNextStep(status(429, { retryAfterMs: 90 * 24 * 60 * MIN }), 1, policy)).toEqual({
      kind: 'retry',
      delayMs: 24 * 60 * MIN,
    });
  });

  it('adds at most the configured jitter', () => {
    const step = decideNextStep(timeout, 1, { ...policy, jitter: 0.1 }, () => 0.5);
    expect(step).toEqual({ kind: 'retry', delayMs: 63_000 });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(90_000).toUTCString(), 30_000)).toBe(60_000);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});
