import {
  admit,
  INITIAL_STATE,
  recordFailure,
  recordSuccess,
  reset,
  type Admission,
  type BreakerConfig,
  type BreakerState,
  type Step,
  type Transition,
} from './state-machine.ts';
import type { BreakerStore, StoredBreaker } from './store.ts';

/** An admission together with the stored state it was decided on (the first guess when recording). */
export type Ticket = Admission & { seen: StoredBreaker };

export type Breaker = {
  /**
   * Asks whether a request to `key` may go out now. Pass `known` (a state read together with other
   * data) to skip the load: a closed breaker then costs no I/O at all.
   */
  admit(key: string, config: BreakerConfig, known?: StoredBreaker): Promise<Ticket>;
  /** Reports how an admitted request went; returns the transitions it caused. */
  record(key: string, config: BreakerConfig, ticket: Ticket, outcome: 'success' | 'failure'): Promise<Transition[]>;
  /** Closes the breaker (admin). */
  reset(key: string): Promise<Transition[]>;
  /** The stored state (closed, version 0, when never stored). */
  read(key: string): Promise<StoredBreaker>;
};

const MAX_CONFLICTS = 50;
const NEVER_STORED: StoredBreaker = { state: INITIAL_STATE, version: 0 };

/**
 * A breaker over any `BreakerStore`. Each change is computed by the pure state machine from a
 * versioned read and written with compare-and-set; when another worker changed the state first, the
 * write fails, and the change is recomputed from a fresh read. So two workers can never both take
 * the half-open trial, and no transition is lost. Runtime-agnostic: no Node APIs.
 */
export function createBreaker(options: { store: BreakerStore; clock: { now(): number }; newId: () => string }): Breaker {
  const { store, clock } = options;

  async function apply<T>(key: string, compute: (state: BreakerState) => Step<T>, first?: StoredBreaker): Promise<{ step: Step<T>; stored: StoredBreaker }> {
    let current = first ?? (await store.load(key)) ?? NEVER_STORED;
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const step = compute(current.state);
      if (step.next === current.state) return { step, stored: current };
      if (await store.save(key, current.version, step.next, step.transitions)) return { step, stored: { state: step.next, version: current.version + 1 } };
      current = (await store.load(key)) ?? NEVER_STORED;
    }
    throw new Error(`circuit breaker ${key}: too many concurrent updates`);
  }

  return {
    async admit(key, config, known) {
      const { step, stored } = await apply(key, (state) => admit(state, clock.now(), config, options.newId), known);
      return { ...step.result, seen: stored };
    },

    async record(key, config, ticket, outcome) {
      if (!ticket.allowed) return [];
      const { permit, seen } = ticket;
      // The healthy path: a success through a breaker that was closed with no failure streak changes nothing.
      if (outcome === 'success' && seen.state.state === 'closed' && seen.state.failures === 0) return [];
      const now = clock.now();
      const { step } = await apply(
        key,
        (state) => (outcome === 'success' ? recordSuccess(state, now, config, permit) : recordFailure(state, now, config, permit)),
        seen,
      );
      return step.transitions;
    },

    async reset(key) {
      const { step } = await apply(key, (state) => reset(state, clock.now()));
      return step.transitions;
    },

    async read(key) {
      return (await store.load(key)) ?? NEVER_STORED;
    },
  };
}
