import { effectiveState, type BreakerConfig, type BreakerStateName, type StoredBreaker } from '../breaker/index.ts';
import type { Config } from '../config.ts';
import type { EndpointView } from '../publisher/index.ts';

/** A breaker as an admin reads it: the state it is in now (`off` when breakers are disabled) and its timers. */
export type BreakerSummary = {
  state: BreakerStateName | 'off';
  failures: number;
  openedAt: string | null;
  trialAfter: string | null;
  thresholds: BreakerConfig;
};

/** Summarises a stored breaker with the endpoint's thresholds (its overrides, else the gateway's defaults). */
export function summarizeBreaker(stored: StoredBreaker | undefined, endpoint: EndpointView, defaults: Config['breaker'], now: number): BreakerSummary {
  const thresholds: BreakerConfig = {
    failureThreshold: endpoint.breaker.failures ?? defaults.failures,
    openForMs: endpoint.breaker.openForMs ?? defaults.openForMs,
    successThreshold: endpoint.breaker.successes ?? defaults.successes,
    trialLeaseMs: 0,
  };
  const state = stored?.state;
  return {
    state: !defaults.enabled ? 'off' : state ? effectiveState(state, now, thresholds) : 'closed',
    failures: state?.failures ?? 0,
    openedAt: state?.state === 'open' ? new Date(state.openedAt).toISOString() : null,
    trialAfter: state?.state === 'open' ? new Date(state.openedAt + thresholds.openForMs).toISOString() : null,
    thresholds,
  };
}
