/** A source of time, injected wherever time matters so schedules and timeouts are testable. */
export type Clock = {
  /** Milliseconds since the Unix epoch. */
  now(): number;
};

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to; for tests of long schedules.
 * @example const clock = manualClock(0); clock.advance(60_000);
 */
export function manualClock(start = Date.now()): Clock & { advance(ms: number): void; set(ms: number): void } {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}
