/**
 * The circuit breaker as a pure state machine: no I/O, no clock, no Node APIs. Every function takes
 * the current state and the time and returns the next state plus the transitions it made, so the
 * same rules run in the gateway (Postgres store) and in edge functions (their own store).
 */

export type BreakerStateName = 'closed' | 'open' | 'half_open';

export type BreakerConfig = {
  /** Consecutive failures that open a closed breaker. */
  failureThreshold: number;
  /** How long an open breaker rejects before letting a trial through. */
  openForMs: number;
  /** Consecutive trial successes that close a half-open breaker. */
  successThreshold: number;
  /** How long a trial may hold the half-open slot before another may start (a crashed holder). */
  trialLeaseMs: number;
};

/** The single trial request allowed while half-open. */
export type Trial = { id: string; until: number };

export type BreakerState =
  | { state: 'closed'; failures: number }
  | { state: 'open'; failures: number; openedAt: number; outageStartedAt: number }
  | { state: 'half_open'; failures: number; successes: number; trial: Trial | null; outageStartedAt: number };

export type Transition = {
  from: BreakerStateName;
  to: BreakerStateName;
  at: number;
  reason: 'failure_threshold' | 'open_timeout' | 'trial_failed' | 'success_threshold' | 'manual_reset';
};

/** What a caller may do: send normally, send as the half-open trial, or not send at all. */
export type Permit = { kind: 'normal' } | { kind: 'trial'; trialId: string };
export type Admission = { allowed: true; permit: Permit } | { allowed: false; retryAt: number };

export type Step<T> = { next: BreakerState; transitions: Transition[]; result: T };

export const INITIAL_STATE: BreakerState = { state: 'closed', failures: 0 };

/**
 * Asks to send a request at `now`. Closed: allowed. Open: rejected until `openedAt + openForMs`,
 * then the breaker turns half-open and this caller holds the trial. Half-open: allowed as the trial
 * only if no unexpired trial is running; otherwise rejected.
 */
export function admit(state: BreakerState, now: number, config: BreakerConfig, newTrialId: () => string): Step<Admission> {
  switch (state.state) {
    case 'closed':
      return { next: state, transitions: [], result: { allowed: true, permit: { kind: 'normal' } } };
    case 'open': {
      const reopensAt = state.openedAt + config.openForMs;
      if (now < reopensAt) return { next: state, transitions: [], result: { allowed: false, retryAt: reopensAt } };
      const trialId = newTrialId();
      return {
        next: {
          state: 'half_open',
          failures: state.failures,
          successes: 0,
          trial: { id: trialId, until: now + config.trialLeaseMs },
          outageStartedAt: state.outageStartedAt,
        },
        transitions: [{ from: 'open', to: 'half_open', at: now, reason: 'open_timeout' }],
        result: { allowed: true, permit: { kind: 'trial', trialId } },
      };
    }
    case 'half_open': {
      if (state.trial && state.trial.until > now) return { next: state, transitions: [], result: { allowed: false, retryAt: state.trial.until } };
      const trialId = newTrialId();
      return {
        next: { ...state, trial: { id: trialId, until: now + config.trialLeaseMs } },
        transitions: [],
        result: { allowed: true, permit: { kind: 'trial', trialId } },
      };
    }
  }
}

/**
 * Records a successful request. Closed: the failure streak resets. Half-open (the current trial
 * only): one more success, closing the breaker at the threshold. A normal request that finishes
 * after the breaker opened changes nothing.
 */
export function recordSuccess(state: BreakerState, now: number, config: BreakerConfig, permit: Permit): Step<void> {
  if (state.state === 'closed') return { next: state.failures === 0 ? state : INITIAL_STATE, transitions: [], result: undefined };
  if (state.state !== 'half_open' || !holdsTrial(state, permit)) return { next: state, transitions: [], result: undefined };
  const successes = state.successes + 1;
  if (successes >= config.successThreshold)
    return { next: INITIAL_STATE, transitions: [{ from: 'half_open', to: 'closed', at: now, reason: 'success_threshold' }], result: undefined };
  return { next: { ...state, successes, trial: null }, transitions: [], result: undefined };
}

/**
 * Records a failed request. Closed: the streak grows, opening the breaker at the threshold.
 * Half-open (the current trial only): open again with a fresh timer. Otherwise nothing changes.
 */
export function recordFailure(state: BreakerState, now: number, config: BreakerConfig, permit: Permit): Step<void> {
  if (state.state === 'closed') {
    const failures = state.failures + 1;
    if (failures < config.failureThreshold) return { next: { state: 'closed', failures }, transitions: [], result: undefined };
    return {
      next: { state: 'open', failures, openedAt: now, outageStartedAt: now },
      transitions: [{ from: 'closed', to: 'open', at: now, reason: 'failure_threshold' }],
      result: undefined,
    };
  }
  if (state.state !== 'half_open' || !holdsTrial(state, permit)) return { next: state, transitions: [], result: undefined };
  return {
    next: { state: 'open', failures: state.failures, openedAt: now, outageStartedAt: state.outageStartedAt },
    transitions: [{ from: 'half_open', to: 'open', at: now, reason: 'trial_failed' }],
    result: undefined,
  };
}

/** Closes the breaker by hand (admin reset). */
export function reset(state: BreakerState, now: number): Step<void> {
  if (state.state === 'closed' && state.failures === 0) return { next: state, transitions: [], result: undefined };
  return {
    next: INITIAL_STATE,
    transitions: state.state === 'closed' ? [] : [{ from: state.state, to: 'closed', at: now, reason: 'manual_reset' }],
    result: undefined,
  };
}

/**
 * The state as an observer would describe it at `now`: an open breaker whose timer ran out is
 * reported half-open (the next request will be the trial).
 */
export function effectiveState(state: BreakerState, now: number, config: BreakerConfig): BreakerStateName {
  return state.state === 'open' && now >= state.openedAt + config.openForMs ? 'half_open' : state.state;
}

function holdsTrial(state: { trial: Trial | null }, permit: Permit): boolean {
  return permit.kind === 'trial' && state.trial?.id === permit.trialId;
}
