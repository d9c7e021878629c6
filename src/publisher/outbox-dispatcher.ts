import { sql, type SQL } from 'drizzle-orm';
import type { Sql } from 'postgres';
import type { Db } from '../db/index.ts';
import { runSql } from '../db/sql-runner.ts';
import type { Logger } from '../logger.ts';
import { isUuid, uuidArray } from './ids.ts';
import { OUTBOX_CHANNEL } from './publish.ts';
import type { DeliveryQueue } from './queue.ts';

/**
 * Queues the deliveries of events published inside callers' transactions. Such a commit sends
 * `pg_notify('webhook_outbox', eventId)`, which Postgres delivers only if the transaction commits;
 * this dispatcher LISTENs, collects event ids for a few milliseconds, reads their pending
 * deliveries in one query and enqueues them. A notification missed while no dispatcher listened is
 * covered by the reconciler.
 */
export function createOutboxDispatcher(options: { db: Db; sql: Sql; queue: DeliveryQueue; logger: Logger }): {
  start(): Promise<void>;
  stop(): Promise<void>;
} {
  const { db, queue, logger } = options;
  let pending = new Set<string>();
  let flushing: Promise<void> | undefined;
  let unlisten: (() => Promise<void>) | undefined;

  async function flush(): Promise<void> {
    const eventIds = [...pending];
    pending = new Set();
    if (eventIds.length === 0) return;
    const rows = await runSql<{ id: string; series: number; attempt_count: number; endpoint_id: string }>(
      db,
      pendingDeliveriesStatement(eventIds),
    );
    await queue.enqueue(rows.map((row) => ({ deliveryId: row.id, series: row.series, attempt: row.attempt_count + 1, endpointId: row.endpoint_id })));
  }

  function schedule(): void {
    flushing ??= new Promise<void>((resolve) => setTimeout(resolve, 2))
      .then(flush)
      .catch((error: unknown) => logger.warn({ err: error }, 'outbox dispatch failed; the reconciler will queue these deliveries'))
      .finally(() => {
        flushing = undefined;
        if (pending.size > 0) schedule();
      });
  }

  return {
    async start() {
      const listener = await options.sql.listen(OUTBOX_CHANNEL, (eventId) => {
        if (!isUuid(eventId)) return;
        pending.add(eventId);
        schedule();
      });
      unlisten = listener.unlisten;
    },
    async stop() {
      await unlisten?.();
      await flushing;
    },
  };
}

/**
 * The pending deliveries of `eventIds`, each event's by the (event, endpoint) index: fenced, so the
 * planner cannot prefer the due index (every pending and failed delivery) and filter that by event,
 * as it did when written as one `event_id = any(...)` scan, which made every flush read a whole
 * queued backlog (test/delivery-plans.int.test.ts).
 */
export function pendingDeliveriesStatement(eventIds: readonly string[]): SQL {
  return sql`select d.id, d.series, d.attempt_count, d.endpoint_id
    from unnest(${uuidArray(eventIds)}::uuid[]) wanted(event_id)
    cross join lateral (select id, series, attempt_count, endpoint_id, status from deliveries
      where event_id = wanted.event_id offset 0) d
    where d.status = 'pending'`;
}
