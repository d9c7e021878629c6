import { describe, expect, it } from 'vitest';
import { createReadinessCheck, toReadiness } from './readiness.ts';

describe('createReadinessCheck', () => {
  it('reports each probe, with the reason of each failure', async () => {
    const check = createReadinessCheck({
      ok: async () => 'PONG',
      refused: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      },
      unmigrated: async () => false,
    });
    expect(await check()).toEqual({
      checks: { ok: true, refused: false, unmigrated: false },
      errors: { refused: 'connect ECONNREFUSED 127.0.0.1:6379', unmigrated: 'check failed' },
    });
  });

  it('fails a probe that hangs after the timeout instead of hanging', async () => {
    const check = createReadinessCheck({ hangs: () => new Promise(() => {}), ok: async () => true }, 50);
    const started = Date.now();
    expect(await check()).toEqual({ checks: { hangs: false, ok: true }, errors: { hangs: 'no answer within 50 ms' } });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('accepts plain booleans as a report', () => {
    expect(toReadiness({ postgres: false })).toEqual({ checks: { postgres: false }, errors: {} });
  });
});
