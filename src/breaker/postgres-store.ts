import { desc, eq, sql } from 'drizzle-orm';
import { circuitBreakerTransitions, type CircuitBreakerTransition, type Db } from '../db/index.ts';
import { runSql } from '../db/sql-runner.ts';
import { breakerFromColumns, breakerWrite } from './row.ts';
import type { BreakerState, BreakerStateName, Transition } from './state-machine.ts';
import type { BreakerStore, StoredBreaker } from './store.ts';

/** The breaker columns as selected by `BREAKER_COLUMNS` (times in epoch milliseconds). */
export type BreakerRow = {
  cb_state: BreakerStateName | null;
  cb_failures: number | null;
  cb_successes: number | null;
  cb_opened_ms: number | null;
  cb_outage_ms: number | null;
  cb_trial_id: string | null;
  cb_trial_until_ms: number | null;
  cb_version: number | null;
};

/** Select list for a `circuit_breaker_state` row aliased `cb`, so other queries can read it in passing. */
export const BREAKER_COLUMNS = sql.raw(`cb.state as cb_state, cb.failures as cb_failures, cb.successes as cb_successes,
  (extract(epoch from cb.opened_at) * 1000)::float8 as cb_opened_ms,
  (extract(epoch from cb.outage_started_at) * 1000)::float8 as cb_outage_ms,
  cb.trial_id as cb_trial_id, (extract(epoch from cb.trial_until) * 1000)::float8 as cb_trial_until_ms,
  cb.version as cb_version`);

/** Turns the columns of `BREAKER_COLUMNS` into a stored state (closed, version 0, when there is no row). */
export function breakerFromRow(row: BreakerRow): StoredBreaker {
  return breakerFromColumns({
    state: row.cb_state,
    failures: row.cb_failures,
    successes: row.cb_successes,
    openedMs: row.cb_opened_ms,
    outageMs: row.cb_outage_ms,
    trialId: row.cb_trial_id,
    trialUntilMs: row.cb_trial_until_ms,
    version: row.cb_version,
  });
}

/**
 * The gateway's breaker store: one `circuit_breaker_state` row per endpoint, written by a single
 * `INSERT ... ON CONFLICT DO UPDATE ... WHERE version = expected` (compare-and-set), with the
 * transitions appended to `circuit_breaker_transitions` in the same statement.
 */
export function createPostgresBreakerStore(db: Db): BreakerStore {
  return {
    async load(endpointId) {
      const rows = await runSql<BreakerRow>(db, sql`select ${BREAKER_COLUMNS} from circuit_breaker_state cb where cb.endpoint_id = ${endpointId}`);
      return rows[0] ? breakerFromRow(rows[0]) : undefined;
    },

    async save(endpointId, expectedVersion, next: BreakerState, transitions: readonly Transition[]) {
      const w = breakerWrite(next, transitions);
      const rows = await runSql<{ saved: number }>(
        db,
        sql`
        with saved as (
          insert into circuit_breaker_state as cb (endpoint_id, tenant_id, state, failures, successes, opened_at,
            outage_started_at, trial_id, trial_until, version, updated_at)
          select ep.id, ep.tenant_id, ${w.state}::breaker_state, ${w.failures}, ${w.successes}, ${w.openedAt}::timestamptz,
            ${w.outageStartedAt}::timestamptz, ${w.trialId}::uuid, ${w.trialUntil}::timestamptz, ${expectedVersion + 1}, now()
          from endpoints ep where ep.id = ${endpointId}
          on conflict (endpoint_id) do update set state = excluded.state, failures = excluded.failures,
            successes = excluded.successes, opened_at = excluded.opened_at, outage_started_at = excluded.outage_started_at,
            trial_id = excluded.trial_id, trial_until = excluded.trial_until, version = excluded.version, updated_at = now()
          where cb.version = ${expectedVersion}
          returning endpoint_id, tenant_id
        ), logged as (
          insert into circuit_breaker_transitions (tenant_id, endpoint_id, from_state, to_state, reason, at)
          select s.tenant_id, s.endpoint_id, t.from_state::breaker_state, t.to_state::breaker_state, t.reason, t.at
          from saved s cross join rows from (
            jsonb_to_recordset(${JSON.stringify(w.transitions)}::text::jsonb) as (from_state text, to_state text, reason text, at timestamptz)
          ) with ordinality as t(from_state, to_state, reason, at, n)
          order by t.n
        )
        select count(*)::int as saved from saved`,
      );
      return (rows[0]?.saved ?? 0) > 0;
    },
  };
}

/** The newest `limit` recorded transitions of an endpoint's breaker, newest first. */
export async function breakerTransitions(db: Db, endpointId: string, limit: number): Promise<CircuitBreakerTransition[]> {
  return db
    .select()
    .from(circuitBreakerTransitions)
    .where(eq(circuitBreakerTransitions.endpointId, endpointId))
    .orderBy(desc(circuitBreakerTransitions.at), desc(circuitBreakerTransitions.seq))
    .limit(limit);
}
