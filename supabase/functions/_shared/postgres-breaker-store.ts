import type { Sql } from 'postgres';
import { breakerFromColumns, type BreakerColumns, type BreakerStore } from '../../../src/breaker/core.ts';
import { breakerSaveArgs } from './breaker-row.ts';

/**
 * The notifier's breaker store on Postgres through postgres.js: one `edge_circuit_breakers` row per
 * key. `save` is the compare-and-set of the `BreakerStore` contract, done by the migration's
 * `edge_circuit_breaker_save` in one statement (`insert ... on conflict (key) do update ... where
 * version = expected`, plus the transitions), so concurrent function instances never both take the
 * half-open trial and no transition is lost.
 */
export function createPostgresBreakerStore(sql: Sql): BreakerStore {
  return {
    async load(key) {
      const rows = await sql<BreakerColumns[]>`
        select state, failures, successes,
          (extract(epoch from opened_at) * 1000)::float8 as "openedMs",
          (extract(epoch from outage_started_at) * 1000)::float8 as "outageMs",
          trial_id as "trialId", (extract(epoch from trial_until) * 1000)::float8 as "trialUntilMs", version
        from edge_circuit_breakers where key = ${key}`;
      return rows[0] === undefined ? undefined : breakerFromColumns(rows[0]);
    },

    async save(key, expectedVersion, next, transitions) {
      const a = breakerSaveArgs(key, expectedVersion, next, transitions);
      // Transitions are bound as text: postgres.js would JSON-encode a string bound to jsonb again.
      const rows = await sql<{ saved: boolean }[]>`
        select edge_circuit_breaker_save(${a.p_key}, ${a.p_expected_version}::int, ${a.p_state}, ${a.p_failures}::int,
          ${a.p_successes}::int, ${a.p_opened_at}::timestamptz, ${a.p_outage_started_at}::timestamptz, ${a.p_trial_id},
          ${a.p_trial_until}::timestamptz, ${JSON.stringify(a.p_transitions)}::text::jsonb) as saved`;
      return rows[0]?.saved === true;
    },
  };
}
