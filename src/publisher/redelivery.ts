import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { runSql } from '../db/sql-runner.ts';
import { GatewayError, notFound } from '../errors.ts';
import type { Scope } from '../scope.ts';
import { isUuid, uuidArray } from './ids.ts';
import type { DeliveryJob, DeliveryQueue } from './queue.ts';

export type BulkRedeliveryFilter = {
  endpointId?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  ids?: string[] | undefined;
};

/**
 * Manual redelivery. A redelivery starts a new attempt series on the SAME delivery row, so the
 * receiver sees the same `webhook-id` and can deduplicate; its first attempt is recorded with
 * trigger `manual`, later ones follow the retry schedule. The state change, the dead letters it
 * resolves and the audit entry are one statement; the jobs are queued after the commit (and the
 * reconciler queues them if Redis is unavailable at that moment).
 */
export function redeliveryService(db: Db, queue: DeliveryQueue, onEnqueueError: (error: unknown) => void) {
  function enqueue(jobs: DeliveryJob[]): void {
    if (jobs.length > 0) queue.enqueue(jobs).catch(onEnqueueError);
  }
  const tenantCondition = (scope: Scope, column: SQL): SQL => (scope.allTenants ? sql`true` : sql`${column} = ${scope.tenantId}`);

  return {
    /** Redelivers one delivery, whatever its status. The endpoint must be enabled. */
    async redeliver(scope: Scope, deliveryId: string): Promise<{ id: string; series: number }> {
      if (!isUuid(deliveryId)) throw notFound('delivery');
      const [found] = await runSql<{ enabled: boolean }>(
        db,
        sql`select ep.enabled from deliveries d join endpoints ep on ep.id = d.endpoint_id
            where d.id = ${deliveryId} and ${tenantCondition(scope, sql`d.tenant_id`)}`,
      );
      if (!found) throw notFound('delivery');
      if (!found.enabled) throw new GatewayError('conflict', 'endpoint_disabled', 'the endpoint is disabled; enable it before redelivering');
      const [row] = await runSql<{ id: string; series: number }>(
        db,
        sql`
        with d as (
          update deliveries set series = series + 1, series_trigger = 'manual', attempt_count = 0, status = 'pending',
            next_attempt_at = now(), updated_at = now()
          where id = ${deliveryId}
          returning id, tenant_id, series
        ), resolved as (
          update webhook_failures set status = 'redelivered', resolved_at = now()
          where delivery_id in (select id from d) and status = 'open'
        ), audit as (
          insert into audit_log (tenant_id, actor, action, target_id, details)
          select tenant_id, ${scope.actor}, 'delivery.redeliver', id, 'series ' || series from d
        )
        select id, series from d`,
      );
      if (!row) throw notFound('delivery');
      enqueue([{ deliveryId: row.id, series: row.series, attempt: 1 }]);
      return row;
    },

    /**
     * Redelivers the open dead letters matching every given filter (endpoint, failed-at range, ids),
     * skipping endpoints that are disabled. Returns how many deliveries were restarted.
     */
    async redeliverDeadLetters(scope: Scope, filter: BulkRedeliveryFilter): Promise<{ count: number; skipped: number }> {
      if (filter.endpointId !== undefined && !isUuid(filter.endpointId)) return { count: 0, skipped: 0 };
      const ids = (filter.ids ?? []).filter(isUuid);
      if (filter.ids && ids.length === 0) return { count: 0, skipped: 0 };
      const conditions = [
        tenantCondition(scope, sql`f.tenant_id`),
        filter.endpointId ? sql`f.endpoint_id = ${filter.endpointId}` : sql`true`,
        filter.since ? sql`f.failed_at >= ${filter.since.toISOString()}::timestamptz` : sql`true`,
        filter.until ? sql`f.failed_at <= ${filter.until.toISOString()}::timestamptz` : sql`true`,
        filter.ids ? sql`f.id = any(${uuidArray(ids)}::uuid[])` : sql`true`,
      ];
      const rows = await runSql<{ id: string | null; series: number | null; skipped: number }>(
        db,
        sql`
        with matched as (
          select f.id as failure_id, f.delivery_id, f.tenant_id, ep.enabled
          from webhook_failures f join endpoints ep on ep.id = f.endpoint_id
          where f.status = 'open' and ${sql.join(conditions, sql` and `)}
          for update of f skip locked
        ), d as (
          update deliveries set series = series + 1, series_trigger = 'manual', attempt_count = 0, status = 'pending',
            next_attempt_at = now(), updated_at = now()
          where id in (select delivery_id from matched where enabled) and status = 'dead'
          returning id, tenant_id, series
        ), resolved as (
          update webhook_failures set status = 'redelivered', resolved_at = now()
          where id in (select failure_id from matched where enabled)
        ), audit as (
          insert into audit_log (tenant_id, actor, action, details)
          select tenant_id, ${scope.actor}, 'dead_letters.redeliver', count(*) || ' deliveries' from d group by tenant_id
        )
        select d.id, d.series, (select count(*)::int from matched where not enabled) as skipped
        from (select 1) one left join d on true`,
      );
      const jobs = rows.flatMap((row) => (row.id && row.series ? [{ deliveryId: row.id, series: row.series, attempt: 1 }] : []));
      enqueue(jobs);
      return { count: jobs.length, skipped: rows[0]?.skipped ?? 0 };
    },

    /** Marks an open dead letter as dismissed (kept for the record, no longer offered for redelivery). */
    async dismiss(scope: Scope, id: string): Promise<void> {
      if (!isUuid(id)) throw notFound('dead letter');
      const rows = await runSql<{ status: string; dismissed: boolean }>(
        db,
        sql`
        with target as (
          select id, status, tenant_id from webhook_failures where id = ${id} and ${tenantCondition(scope, sql`tenant_id`)}
        ), changed as (
          update webhook_failures set status = 'dismissed', resolved_at = now()
          where id in (select id from target where status = 'open') returning id, tenant_id
        ), audit as (
          insert into audit_log (tenant_id, actor, action, target_id) select tenant_id, ${scope.actor}, 'dead_letter.dismiss', id from changed
        )
        select t.status, exists (select 1 from changed) as dismissed from target t`,
      );
      const row = rows[0];
      if (!row) throw notFound('dead letter');
      if (!row.dismissed) throw new GatewayError('conflict', 'dead_letter_not_open', `dead letter is already ${row.status}`);
    },
  };
}

export type RedeliveryService = ReturnType<typeof redeliveryService>;
