import type { SupabaseClient } from '@supabase/supabase-js';
import { breakerFromColumns, type BreakerStore } from '../../../src/breaker/core.ts';
import { breakerSaveArgs } from './breaker-row.ts';

type PostgrestResult = { data: unknown; error: { message: string } | null };

/** The data of a PostgREST answer; throws on its error. */
export function check(result: PostgrestResult, what: string): unknown {
  if (result.error !== null) throw new Error(`${what} failed: ${result.error.message}`, { cause: result.error });
  return result.data;
}

const ms = (value: unknown): number | null => (typeof value === 'string' ? Date.parse(value) : null);
/** A numeric column, 0 when absent. */
export const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

/**
 * The notifier's breaker store over PostgREST: `load` reads the row, `save` calls the migration's
 * `edge_circuit_breaker_save` through `rpc`, the same compare-and-set statement the Postgres store
 * runs, so it is atomic here too.
 */
export function createSupabaseBreakerStore(client: SupabaseClient): BreakerStore {
  return {
    async load(key) {
      const rows = check(await client.from('edge_circuit_breakers').select('*').eq('key', key), 'breaker load');
      const row: unknown = Array.isArray(rows) ? rows[0] : undefined;
      if (typeof row !== 'object' || row === null) return undefined;
      const r = row as Record<string, unknown>;
      const state = r.state === 'open' || r.state === 'half_open' ? r.state : 'closed';
      return breakerFromColumns({
        state,
        failures: num(r.failures),
        successes: num(r.successes),
        openedMs: ms(r.opened_at),
        outageMs: ms(r.outage_started_at),
        trialId: typeof r.trial_id === 'string' ? r.trial_id : null,
        trialUntilMs: ms(r.trial_until),
        version: num(r.version),
      });
    },

    async save(key, expectedVersion, next, transitions) {
      const saved = check(await client.rpc('edge_circuit_breaker_save', breakerSaveArgs(key, expectedVersion, next, transitions)), 'breaker save');
      return saved === true;
    },
  };
}
