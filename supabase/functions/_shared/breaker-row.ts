/**
 * Mapping between the breaker's states (src/breaker/state-machine.ts) and `edge_circuit_breakers`
 * rows / the arguments of `edge_circuit_breaker_save` (the compare-and-set in the migration).
 */
import type { BreakerState, BreakerStateName, StoredBreaker, Transition } from '../../../src/breaker/core.ts';

/** An `edge_circuit_breakers` row with its times in epoch milliseconds. */
export type BreakerRow = {
  state: BreakerStateName;
  failures: number;
  successes: number;
  opened_ms: number | null;
  outage_ms: number | null;
  trial_id: string | null;
  trial_until_ms: number | null;
  version: number;
};

/** Arguments of `edge_circuit_breaker_save`, named as the SQL function's parameters. */
export type BreakerSaveArgs = {
  p_key: string;
  p_expected_version: number;
  p_state: BreakerStateName;
  p_failures: number;
  p_successes: number;
  p_opened_at: string | null;
  p_outage_started_at: string | null;
  p_trial_id: string | null;
  p_trial_until: string | null;
  p_transitions: { from_state: BreakerStateName; to_state: BreakerStateName; reason: Transition['reason']; at: string }[];
};

const toIso = (ms: number): string => new Date(ms).toISOString();
const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : toIso(ms));

/** The stored state a row describes. */
export function breakerFromRow(row: BreakerRow): StoredBreaker {
  const { failures, version } = row;
  const outageStartedAt = row.outage_ms ?? row.opened_ms ?? 0;
  switch (row.state) {
    case 'open':
      return { version, state: { state: 'open', failures, openedAt: row.opened_ms ?? 0, outageStartedAt } };
    case 'half_open':
      return {
        version,
        state: {
          state: 'half_open',
          failures,
          successes: row.successes,
          trial: row.trial_id === null ? null : { id: row.trial_id, until: row.trial_until_ms ?? 0 },
          outageStartedAt,
        },
      };
    case 'closed':
      return { version, state: { state: 'closed', failures } };
  }
}

/** The compare-and-set arguments that write `next` over the row read at `expectedVersion`. */
export function breakerSaveArgs(key: string, expectedVersion: number, next: BreakerState, transitions: readonly Transition[]): BreakerSaveArgs {
  const trial = next.state === 'half_open' ? next.trial : null;
  return {
    p_key: key,
    p_expected_version: expectedVersion,
    p_state: next.state,
    p_failures: next.failures,
    p_successes: next.state === 'half_open' ? next.successes : 0,
    p_opened_at: next.state === 'open' ? iso(next.openedAt) : null,
    p_outage_started_at: next.state === 'closed' ? null : iso(next.outageStartedAt),
    p_trial_id: trial?.id ?? null,
    p_trial_until: iso(trial?.until),
    p_transitions: transitions.map((t) => ({ from_state: t.from, to_state: t.to, reason: t.reason, at: toIso(t.at) })),
  };
}
