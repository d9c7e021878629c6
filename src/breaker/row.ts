import type { BreakerState, BreakerStateName, Transition } from './state-machine.ts';
import type { StoredBreaker } from './store.ts';

/**
 * A breaker as table columns (times in epoch milliseconds), shared by every SQL-backed store: the
 * gateway's `circuit_breaker_state` and the edge functions' `edge_circuit_breakers`. Null columns
 * (no row yet) read as closed, version 0.
 */
export type BreakerColumns = {
  state: BreakerStateName | null;
  failures: number | null;
  successes: number | null;
  openedMs: number | null;
  outageMs: number | null;
  trialId: string | null;
  trialUntilMs: number | null;
  version: number | null;
};

/** The columns to write for `next` (times as ISO strings), and its transitions as rows. */
export type BreakerWrite = {
  state: BreakerStateName;
  failures: number;
  successes: number;
  openedAt: string | null;
  outageStartedAt: string | null;
  trialId: string | null;
  trialUntil: string | null;
  transitions: { from_state: BreakerStateName; to_state: BreakerStateName; reason: Transition['reason']; at: string }[];
};

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

/** Reads a stored breaker from its columns. */
export function breakerFromColumns(row: BreakerColumns): StoredBreaker {
  const failures = row.failures ?? 0;
  const version = row.version ?? 0;
  const outageStartedAt = row.outageMs ?? row.openedMs ?? 0;
  switch (row.state) {
    case 'open':
      return { version, state: { state: 'open', failures, openedAt: row.openedMs ?? 0, outageStartedAt } };
    case 'half_open':
      return {
        version,
        state: {
          state: 'half_open',
          failures,
          successes: row.successes ?? 0,
          trial: row.trialId ? { id: row.trialId, until: row.trialUntilMs ?? 0 } : null,
          outageStartedAt,
        },
      };
    default:
      return { version, state: { state: 'closed', failures } };
  }
}

/** The column values that store `next`, with `transitions` ready for a `jsonb_to_recordset`. */
export function breakerWrite(next: BreakerState, transitions: readonly Transition[]): BreakerWrite {
  const trial = next.state === 'half_open' ? next.trial : null;
  return {
    state: next.state,
    failures: next.failures,
    successes: next.state === 'half_open' ? next.successes : 0,
    openedAt: next.state === 'open' ? iso(next.openedAt) : null,
    outageStartedAt: next.state === 'closed' ? null : iso(next.outageStartedAt),
    trialId: trial?.id ?? null,
    trialUntil: iso(trial?.until),
    transitions: transitions.map((t) => ({ from_state: t.from, to_state: t.to, reason: t.reason, at: new Date(t.at).toISOString() })),
  };
}
