import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { runSql, type SqlRunner } from '../db/sql-runner.js';
import { invalid } from '../errors.js';
import { isEventType, MAX_EVENT_TYPE_LENGTH } from './event-type.js';

/** The channel on which a commit that published events notifies the dispatchers (payload: event id). */
export const OUTBOX_CHANNEL = 'webhook_outbox';

export type PublishInput = {
  tenantId: string;
  type: string;
  payload: unknown;
  idempotencyKey?: string | undefined;
  correlationId?: string | undefined;
};

/** A delivery the publish created: the id is the `webhook-id` the endpoint will see. */
export type DeliveryRef = { id: string; endpointId: string };

export type PublishedEvent = {
  id: string;
  tenantId: string;
  type: string;
  idempotencyKey: string | null;
  correlationId: string;
  createdAt: string;
  deliveries: DeliveryRef[];
  /** False when the idempotency key matched an earlier event, which is returned instead. */
  created: boolean;
};

type EventRow = {
  id: string;
  tenant_id: string;
  type: string;
  idempotency_key: string | null;
  correlation_id: string;
  created_ms: number;
  deliveries: DeliveryRef[];
};

const MAX_KEY_LENGTH = 255;

/**
 * Writes an event and one pending delivery per matching enabled endpoint in ONE statement (so it is
 * atomic on its own, and part of the caller's transaction when `runner` is one). With
 * `notify`, the commit also wakes the dispatchers through `pg_notify`, so events published inside
 * a caller's transaction are queued as soon as that transaction commits, and never if it rolls back.
 * An idempotency key that was already used returns the original event and writes nothing.
 */
export async function publishEvent(
  runner: SqlRunner,
  input: PublishInput,
  options: { notify: boolean },
): Promise<PublishedEvent> {
  const type = input.type;
  if (typeof type !== 'string' || !isEventType(type))
    throw invalid(
      'invalid_event_type',
      `event type must be dot-separated segments of letters, digits, _ or - (at most ${MAX_EVENT_TYPE_LENGTH} characters), e.g. order.created`,
    );
  const key = input.idempotencyKey ?? null;
  if (key !== null && (key.length === 0 || key.length > MAX_KEY_LENGTH))
    throw invalid('invalid_idempotency_key', `idempotency key must be 1..${MAX_KEY_LENGTH} characters`);
  if (input.payload === undefined) throw invalid('invalid_payload', 'payload is required');
  const payloadText = JSON.stringify(input.payload);
  const correlationId = input.correlationId ?? randomUUID();

  const rows = await runSql<EventRow>(
    runner,
    sql`
    with new_event as (
      insert into events (tenant_id, type, payload, idempotency_key, correlation_id)
      values (${input.tenantId}, ${type}, ${payloadText}::jsonb, ${key}, ${correlationId})
      on conflict (tenant_id, idempotency_key) do nothing
      returning id, tenant_id, type, idempotency_key, correlation_id, created_at
    ), new_deliveries as (
      insert into deliveries (tenant_id, event_id, endpoint_id, next_attempt_at, created_at, updated_at)
      select ev.tenant_id, ev.id, ep.id, ev.created_at, ev.created_at, ev.created_at
      from new_event ev
      join endpoints ep on ep.tenant_id = ev.tenant_id and ep.enabled
      where cardinality(ep.event_types) = 0
         or ev.type = any(ep.event_types)
         or exists (
           select 1 from unnest(ep.event_types) as pattern
           where pattern = '*' or (right(pattern, 2) = '.*' and starts_with(ev.type, left(pattern, -1)))
         )
      returning id, endpoint_id
    )
    select ev.id, ev.tenant_id, ev.type, ev.idempotency_key, ev.correlation_id,
      (extract(epoch from ev.created_at) * 1000)::float8 as created_ms,
      (select coalesce(json_agg(json_build_object('id', d.id, 'endpointId', d.endpoint_id)), '[]'::json)
         from new_deliveries d) as deliveries
      ${options.notify ? sql`, pg_notify(${OUTBOX_CHANNEL}, ev.id::text) is null as notified` : sql``}
    from new_event ev`,
  );
  const row = rows[0];
  if (row) return toPublished(row, true);
  // The key was used before: return that event (waiting on ON CONFLICT guarantees it is committed).
  const existing = await runSql<EventRow>(
    runner,
    sql`
    select ev.id, ev.tenant_id, ev.type, ev.idempotency_key, ev.correlation_id,
      (extract(epoch from ev.created_at) * 1000)::float8 as created_ms,
      (select coalesce(json_agg(json_build_object('id', d.id, 'endpointId', d.endpoint_id) order by d.id), '[]'::json)
         from deliveries d where d.event_id = ev.id) as deliveries
    from events ev where ev.tenant_id = ${input.tenantId} and ev.idempotency_key = ${key}`,
  );
  const original = existing[0];
  if (!original) throw new Error('idempotency conflict without an existing event');
  return toPublished(original, false);
}

/**
 * Publishes inside the caller's own Postgres transaction: the event exists exactly when the caller's
 * business write does. Delivery starts right after the caller commits (LISTEN/NOTIFY), or from the
 * reconciler if no dispatcher was listening.
 * @example
 * await sql.begin(async (tx) => {
 *   await tx`insert into orders ${tx(order)}`;
 *   await publishInTransaction(tx, { tenantId, type: 'order.created', payload: order });
 * });
 */
export function publishInTransaction(tx: SqlRunner, input: PublishInput): Promise<PublishedEvent> {
  return publishEvent(tx, input, { notify: true });
}

function toPublished(row: EventRow, created: boolean): PublishedEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type,
    idempotencyKey: row.idempotency_key,
    correlationId: row.correlation_id,
    createdAt: new Date(row.created_ms).toISOString(),
    deliveries: row.deliveries,
    created,
  };
}
