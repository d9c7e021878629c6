import type { BreakerState, Transition } from './state-machine.ts';

/** A breaker state with the version it was read at (0: never stored). */
export type StoredBreaker = { state: BreakerState; version: number };

/**
 * Where breaker states live. Implementations must make `save` a compare-and-set: it writes only if
 * the stored version still equals `expectedVersion`, and stores the transitions with it atomically.
 * Everything else about concurrency follows from that.
 */
export type BreakerStore = {
  load(key: string): Promise<StoredBreaker | undefined>;
  save(key: string, expectedVersion: number, next: BreakerState, transitions: readonly Transition[]): Promise<boolean>;
};

/** A breaker store in memory, for a single process (and for tests of the wrapper). */
export function createMemoryBreakerStore(): BreakerStore & { transitions: (Transition & { key: string })[] } {
  const rows = new Map<string, StoredBreaker>();
  const transitions: (Transition & { key: string })[] = [];
  return {
    transitions,
    async load(key) {
      return rows.get(key);
    },
    async save(key, expectedVersion, next, made) {
      if ((rows.get(key)?.version ?? 0) !== expectedVersion) return false;
      rows.set(key, { state: next, version: expectedVersion + 1 });
      transitions.push(...made.map((transition) => ({ ...transition, key })));
      return true;
    },
  };
}
