import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { runSql } from '../db/sql-runner.ts';
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
  const failures = row.cb_failures ?? 0;
  const version = row.cb_version ?? 0;
  const outageStartedAt = row.cb_outage_ms ?? row.cb_opened_ms ?? 0;
  switch (row.cb_state) {
    case 'open':
      return { version, state: { state: 'open', failures, openedAt: row.cb_opened_ms ?? 0, outageStartedAt } };
    case 'half_open':
      return {
        version,
        state: {
          state: 'half_open',
          failures,
          successes: row.cb_successes ?? 0,
          trial: row.cb_trial_id ? { id: row.cb_trial_id, until: row.cb_trial_until_ms ?? 0 } : null,
          outageStartedAt,
        },
      };
    default:
      return { version, state: { state: 'closed', failures } };
  }
}

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

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
      const successes = next.state === 'half_open' ? next.successes : 0;
      const openedAt = next.state === 'open' ? iso(next.openedAt) : null;
      const outage = next.state === 'closed' ? null : iso(next.outageStartedAt);
      const trial = next.state === 'half_open' ? next.trial : null;
      const log = JSON.stringify(transitions.map((t) => ({ from_state: t.from, to_state: t.to, reason: t.reason, at: iso(t.at) })));
      const rows = await runSql<{ saved: number }>(
        db,
        sql`
        with saved as (
          insert into circuit_breaker_state as cb (endpoint_id, tenant_id, state, failures, successes, opened_at,
            outage_started_at, trial_id, trial_until, version, updated_at)
          select ep.id, ep.tenant_id, ${next.state}::breaker_state, ${next.failures}, ${successes}, ${openedAt}::timestamptz,
            ${outage}::timestamptz, ${trial?.id ?? null}::uuid, ${iso(trial?.until)}::timestamptz, ${expectedVersion + 1}, now()
          from endpoints ep where ep.id = ${endpointId}
          on conflict (endpoint_id) do update set state = excluded.state, failures = excluded.failures,
            successes = excluded.successes, opened_at = excluded.opened_at, outage_started_at = excluded.outage_started_at,
            trial_id = excluded.trial_id, trial_until = excluded.trial_until, version = excluded.version, updated_at = now()
          where cb.version = ${expectedVersion}
          returning endpoint_id, tenant_id
        ), logged as (
          insert into circuit_breaker_transitions (tenant_id, endpoint_id, from_state, to_state, reason, at)
          select s.tenant_id, s.endpoint_id, t.from_state::breaker_state, t.to_state::breaker_state, t.reason, t.at
          from saved s cross join jsonb_to_recordset(${log}::text::jsonb) as t(from_state text, to_state text, reason text, at timestamptz)
        )
        select count(*)::int as saved from saved`,
      );
      return (rows[0]?.saved ?? 0) > 0;
    },
  };
}
