/**
 * The runtime-agnostic part of the breaker (no Node APIs, no database driver): the state machine,
 * the compare-and-set wrapper, the store interface with an in-memory store, and the outcome rule.
 * Edge functions (Deno) import this file and bring their own store.
 */
export { createBreaker, type Breaker, type Ticket } from './breaker.ts';
export { breakerOutcome } from './classify.ts';
export {
  admit,
  effectiveState,
  INITIAL_STATE,
  recordFailure,
  recordSuccess,
  reset,
  type Admission,
  type BreakerConfig,
  type BreakerState,
  type BreakerStateName,
  type Permit,
  type Transition,
} from './state-machine.ts';
export { breakerFromColumns, breakerWrite, type BreakerColumns, type BreakerWrite } from './row.ts';
export { createMemoryBreakerStore, type BreakerStore, type StoredBreaker } from './store.ts';
