/**
 * The arguments of `edge_circuit_breaker_save` (the compare-and-set in the migration) for a breaker
 * state; the column mapping itself is the gateway's (`breakerWrite` in src/breaker/row.ts).
 */
import { breakerWrite, type BreakerState, type Transition } from '../../../src/breaker/core.ts';

/** Arguments of `edge_circuit_breaker_save`, named as the SQL function's parameters. */
export type BreakerSaveArgs = {
  p_key: string;
  p_expected_version: number;
  p_state: BreakerState['state'];
  p_failures: number;
  p_successes: number;
  p_opened_at: string | null;
  p_outage_started_at: string | null;
  p_trial_id: string | null;
  p_trial_until: string | null;
  p_transitions: ReturnType<typeof breakerWrite>['transitions'];
};

/** The compare-and-set arguments that write `next` over the row read at `expectedVersion`. */
export function breakerSaveArgs(key: string, expectedVersion: number, next: BreakerState, transitions: readonly Transition[]): BreakerSaveArgs {
  const w = breakerWrite(next, transitions);
  return {
    p_key: key,
    p_expected_version: expectedVersion,
    p_state: w.state,
    p_failures: w.failures,
    p_successes: w.successes,
    p_opened_at: w.openedAt,
    p_outage_started_at: w.outageStartedAt,
    p_trial_id: w.trialId,
    p_trial_until: w.trialUntil,
    p_transitions: w.transitions,
  };
}
