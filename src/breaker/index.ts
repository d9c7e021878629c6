/**
 * Per-endpoint circuit breaker, shared by every worker process and persisted in Postgres.
 *
 * The rules live in a pure state machine (`state-machine.ts`): CLOSED lets requests through and
 * opens after N consecutive failures; OPEN rejects without a request for a while, then turns
 * HALF_OPEN and lets exactly one trial through; M consecutive trial successes close it, one trial
 * failure opens it again with a fresh timer.
 *
 * Concurrency: every state row carries a `version`, and every change is a compare-and-set
 * (`INSERT ... ON CONFLICT DO UPDATE ... WHERE version = $expected`, one statement that also appends
 * the transitions). A worker reads the state, computes the next one, and writes it only if nobody
 * changed it meanwhile; otherwise it re-reads and recomputes. Taking the half-open trial is such a
 * write, so across any number of processes one worker wins it and the others see it taken
 * (a trial carries a lease, so a crashed holder does not block the endpoint forever). A transition
 * is written in the same statement as the state it leads to, so none is lost.
 *
 * Cost on the healthy path: the worker reads the breaker row in the same query that loads the
 * delivery, and a success through a CLOSED breaker with no failure streak writes nothing.
 *
 * The core (`state-machine.ts`, `breaker.ts`, `store.ts`, `classify.ts`) uses no Node APIs, so the
 * Deno edge functions use it (through `core.ts`) with their own store.
 */
export {
  admit,
  breakerOutcome,
  createBreaker,
  createMemoryBreakerStore,
  effectiveState,
  INITIAL_STATE,
  recordFailure,
  recordSuccess,
  reset,
  type Admission,
  type Breaker,
  type BreakerConfig,
  type BreakerState,
  type BreakerStateName,
  type BreakerStore,
  type Permit,
  type StoredBreaker,
  type Ticket,
  type Transition,
} from './core.ts';
export { BREAKER_COLUMNS, breakerFromRow, breakerTransitions, createPostgresBreakerStore, type BreakerRow } from './postgres-store.ts';
