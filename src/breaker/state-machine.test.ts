import { describe, expect, it } from 'vitest';
import { createBreaker } from './breaker.ts';
import { admit, effectiveState, INITIAL_STATE, recordFailure, recordSuccess, type BreakerConfig } from './state-machine.ts';
import { createMemoryBreakerStore } from './store.ts';

const config: BreakerConfig = { failureThreshold: 5, openForMs: 60_000, successThreshold: 2, trialLeaseMs: 35_000 };
const normal = { kind: 'normal' } as const;

describe('breaker state machine', () => {
  it('opens after 5 consecutive failures; a success in between resets the streak', () => {
    let state = INITIAL_STATE;
    for (let i = 0; i < 4; i++) state = recordFailure(state, i, config, normal).next;
    expect(state).toEqual({ state: 'closed', failures: 4 });
    state = recordSuccess(state, 5, config, normal).next;
    expect(state).toEqual({ state: 'closed', failures: 0 });
    for (let i = 0; i < 4; i++) state = recordFailure(state, i, config, normal).next;
    const opened = recordFailure(state, 25_000, config, normal);
    expect(opened.next).toEqual({ state: 'open', failures: 5, openedAt: 25_000, outageStartedAt: 25_000 });
    expect(opened.transitions).toEqual([{ from: 'closed', to: 'open', at: 25_000, reason: 'failure_threshold' }]);
  });

  it('rejects while open, then admits exactly one trial after the timeout', () => {
    const open = { state: 'open', failures: 5, openedAt: 25_000, outageStartedAt: 25_000 } as const;
    expect(admit(open, 84_999, config, () => 't1').result).toEqual({ allowed: false, retryAt: 85_000 });
    const trial = admit(open, 85_000, config, () => 't1');
    expect(trial.result).toEqual({ allowed: true, permit: { kind: 'trial', trialId: 't1' } });
    expect(trial.next).toMatchObject({ state: 'half_open', successes: 0, trial: { id: 't1', until: 120_000 } });
    expect(admit(trial.next, 85_001, config, () => 't2').result).toEqual({ allowed: false, retryAt: 120_000 });
    // A holder that never reports (crashed) loses the trial when its lease runs out.
    expect(admit(trial.next, 120_000, config, () => 't3').result).toEqual({ allowed: true, permit: { kind: 'trial', trialId: 't3' } });
    expect(effectiveState(open, 85_000, config)).toBe('half_open');
    expect(effectiveState(open, 84_000, config)).toBe('open');
  });

  it('ignores results of requests that were not the current trial', () => {
    const halfOpen = { state: 'half_open', failures: 5, successes: 0, trial: { id: 't1', until: 1e9 }, outageStartedAt: 0 } as const;
    expect(recordFailure(halfOpen, 1, config, normal).next).toBe(halfOpen);
    expect(recordSuccess(halfOpen, 1, config, { kind: 'trial', trialId: 'old' }).next).toBe(halfOpen);
    const open = { state: 'open', failures: 5, openedAt: 0, outageStartedAt: 0 } as const;
    expect(recordFailure(open, 1, config, normal).next).toBe(open);
  });
});

describe('the seed timeline (0 s .. 150 s), through the breaker wrapper', () => {
  it('reproduces every row of the state table', async () => {
    let now = 0;
    let ids = 0;
    const store = createMemoryBreakerStore();
    const breaker = createBreaker({ store, clock: { now: () => now }, newId: () => `trial-${++ids}` });
    const row = async () => {
      const { state } = await breaker.read('email');
      return [state.state, state.failures, state.state === 'half_open' ? state.successes : '-'];
    };
    const attempt = async (at: number, outcome: 'success' | 'failure') => {
      now = at * 1000;
      const ticket = await breaker.admit('email', config);
      if (ticket.allowed) await breaker.record('email', config, ticket, outcome);
      return ticket.allowed;
    };

    expect(await row()).toEqual(['closed', 0, '-']);
    for (const [at, failures] of [[10, 1], [15, 2], [20, 3], [25, 4]] as const) {
      expect(await attempt(at, 'failure')).toBe(true);
      expect(await row()).toEqual(['closed', failures, '-']);
    }
    expect(await attempt(25, 'failure')).toBe(true);
    expect(await row()).toEqual(['open', 5, '-']);
    expect(await attempt(30, 'failure')).toBe(false); // rejected without executing
    expect(await attempt(84, 'success')).toBe(false);
    expect(await row()).toEqual(['open', 5, '-']);
    expect(await attempt(85, 'failure')).toBe(true); // the trial at 85 s, still failing
    expect(await row()).toEqual(['open', 5, '-']);
    expect(await attempt(144, 'success')).toBe(false);
    expect(await attempt(145, 'success')).toBe(true); // the trial at 145 s succeeds
    expect(await row()).toEqual(['half_open', 5, 1]);
    expect(await attempt(150, 'success')).toBe(true); // second success closes it
    expect(await row()).toEqual(['closed', 0, '-']);
    expect(store.transitions.map((t) => [t.at / 1000, t.from, t.to, t.reason])).toEqual([
      [25, 'closed', 'open', 'failure_threshold'],
      [85, 'open', 'half_open', 'open_timeout'],
      [85, 'half_open', 'open', 'trial_failed'],
      [145, 'open', 'half_open', 'open_timeout'],
      [150, 'half_open', 'closed', 'success_threshold'],
    ]);
  });

  it('costs no write for a success through a closed breaker with no failure streak', async () => {
    const store = createMemoryBreakerStore();
    let saves = 0;
    const counting = { load: store.load, save: (...args: Parameters<typeof store.save>) => (saves++, store.save(...args)) };
    const breaker = createBreaker({ store: counting, clock: { now: () => 0 }, newId: () => 'x' });
    for (let i = 0; i < 100; i++) {
      const ticket = await breaker.admit('ok', config);
      await breaker.record('ok', config, ticket, 'success');
    }
    expect(saves).toBe(0);
  });
});
