import { sql } from 'drizzle-orm';
import { BREAKER_COLUMNS, breakerFromRow, type BreakerRow, type StoredBreaker } from '../breaker/index.ts';
import type { Db } from '../db/index.ts';
import { runSql } from '../db/sql-runner.ts';
import type { Scope } from '../scope.ts';
import { isUuid, uuidArray } from './ids.ts';

/** How an endpoint is doing: its stored breaker, its attempts since a time, its open dead letters. */
export type EndpointHealth = {
  endpointId: string;
  tenant: { id: string; name: string };
  breaker: StoredBreaker;
  recent: { attempts: number; succeeded: number };
  openDeadLetters: number;
};

/** The smallest UUIDv7 of a millisecond: attempt ids are time-ordered, so `id >= bound` uses the primary key. */
function uuidV7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/**
 * Health of the given endpoints (within the caller's scope) in one query: tenant, breaker state, attempts
 * and successes started at or after `since` (fast failures of an open breaker count as failures),
 * and how many dead letters are open. Unknown or foreign ids are left out.
 */
export async function endpointHealth(db: Db, scope: Scope, endpointIds: readonly string[], since: Date): Promise<Map<string, EndpointHealth>> {
  const ids = endpointIds.filter(isUuid);
  const result = new Map<string, EndpointHealth>();
  if (ids.length === 0) return result;
  const idArray = uuidArray(ids);
  const rows = await runSql<BreakerRow & { id: string; tenant_id: string; tenant_name: string; attempts: number; succeeded: number; open_dead_letters: number }>(
    db,
    sql`
    select ep.id, ep.tenant_id, t.name as tenant_name, ${BREAKER_COLUMNS}, coalesce(r.attempts, 0) as attempts, coalesce(r.succeeded, 0) as succeeded,
      (select count(*)::int from webhook_failures f where f.endpoint_id = ep.id and f.status = 'open') as open_dead_letters
    from endpoints ep
    join tenants t on t.id = ep.tenant_id
    left join circuit_breaker_state cb on cb.endpoint_id = ep.id
    left join (
      select d.endpoint_id, count(*)::int as attempts, (count(*) filter (where a.outcome = 'succeeded'))::int as succeeded
      from delivery_attempts a join deliveries d on d.id = a.delivery_id
      where a.id >= ${uuidV7Floor(since.getTime())}::uuid and a.started_at >= ${since.toISOString()}::timestamptz
        and d.endpoint_id = any(${idArray}::uuid[])
      group by d.endpoint_id
    ) r on r.endpoint_id = ep.id
    where ep.id = any(${idArray}::uuid[]) and ${scope.allTenants ? sql`true` : sql`ep.tenant_id = ${scope.tenantId}`}`,
  );
  for (const row of rows)
    result.set(row.id, {
      endpointId: row.id,
      tenant: { id: row.tenant_id, name: row.tenant_name },
      breaker: breakerFromRow(row),
      recent: { attempts: row.attempts, succeeded: row.succeeded },
      openDeadLetters: row.open_dead_letters,
    });
  return result;
}
