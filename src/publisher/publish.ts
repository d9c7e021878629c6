import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { runSql, type SqlRunner } from '../db/sql-runner.ts';
import { GatewayError, invalid } from '../errors.ts';
import { isEventType, MAX_EVENT_TYPE_LENGTH } from './event-type.ts';
import { uuidV7 } from './uuid-v7.ts';

/** The channel on which a commit that published events notifies the dispatchers (payload: event id). */
export const OUTBOX_CHANNEL = 'webhook_outbox';

export type PublishInput = {
  tenantId: string;
  type: string;
  payload: unknown;
  idempotencyKey?: string | undefined;
  correlationId?: string | undefined;
  /** Refuse (413 `payload_too_large`) a payload whose JSON is longer than this many bytes. */
  maxPayloadBytes?: number | undefined;
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

/** A publish request after validation, with its event id chosen up front. */
export type ValidPublish = {
  id: string;
  tenantId: string;
  type: string;
  payloadJson: string;
  idempotencyKey: string | null;
  correlationId: string;
};

/** Checks a publish request (event type syntax, key length, payload present); throws `invalid_*` errors. */
export function validatePublish(input: PublishInput): ValidPublish {
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
  // Serialised once: the size check and the insert use the same text.
  const payloadJson = JSON.stringify(input.payload);
  if (input.maxPayloadBytes !== undefined) {
    const payloadBytes = Buffer.byteLength(payloadJson);
    if (payloadBytes > input.maxPayloadBytes)
      throw new GatewayError('too_large', 'payload_too_large', `payload is ${payloadBytes} bytes; the limit is ${input.maxPayloadBytes}`);
  }
  return {
    id: uuidV7(),
    tenantId: input.tenantId,
    type,
    payloadJson,
    idempotencyKey: key,
    correlationId: input.correlationId ?? randomUUID(),
  };
}

/**
 * Writes an event and one pending delivery per matching enabled endpoint in ONE statement (so it is
 * atomic on its own, and part of the caller's transaction when `runner` is one). With
 * `notify`, the commit also wakes the dispatchers through `pg_notify`, so events published inside
 * a caller's transaction are queued as soon as that transaction commits, and never if it rolls back.
 * An idempotency key that was already used returns the original event and writes nothing.
 */
export async function publishEvent(runner: SqlRunner, input: PublishInput, options: { notify: boolean }): Promise<PublishedEvent> {
  const [event] = await publishEvents(runner, [validatePublish(input)], options);
  if (!event) throw new Error('publish returned no event');
  return event;
}

/**
 * Writes many validated events and their deliveries in ONE statement (one round trip and one commit
 * for all of them), returning them in input order. The gateway's API uses it to write the events of
 * concurrent requests together.
 */
export async function publishEvents(runner: SqlRunner, inputs: readonly ValidPublish[], options: { notify: boolean }): Promise<PublishedEvent[]> {
  const rows = await runSql<EventRow>(
    runner,
    sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(inputs)}::text::jsonb)
        as r(id uuid, "tenantId" uuid, type text, "payloadJson" text, "idempotencyKey" text, "correlationId" text)
    ), new_event as (
      insert into events (id, tenant_id, type, payload, idempotency_key, correlation_id)
      select id, "tenantId", type, "payloadJson"::jsonb, "idempotencyKey", "correlationId" from input
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
      returning id, endpoint_id, event_id
    )
    select ev.id, ev.tenant_id, ev.type, ev.idempotency_key, ev.correlation_id,
      (extract(epoch from ev.created_at) * 1000)::float8 as created_ms,
      (select coalesce(json_agg(json_build_object('id', d.id, 'endpointId', d.endpoint_id)), '[]'::json)
         from new_deliveries d where d.event_id = ev.id) as deliveries
      ${options.notify ? sql`, pg_notify(${OUTBOX_CHANNEL}, ev.id::text) is null as notified` : sql``}
    from new_event ev`,
  );
  const created = new Map(rows.map((row) => [row.id, row]));
  const results: PublishedEvent[] = [];
  for (const input of inputs) {
    const row = created.get(input.id);
    results.push(row ? toPublished(row, true) : await existingEvent(runner, input));
  }
  return results;
}

/** The event an idempotency key already named (waiting on ON CONFLICT guarantees it is committed). */
async function existingEvent(runner: SqlRunner, input: ValidPublish): Promise<PublishedEvent> {
  const rows = await runSql<EventRow>(
    runner,
    sql`
    select ev.id, ev.tenant_id, ev.type, ev.idempotency_key, ev.correlation_id,
      (extract(epoch from ev.created_at) * 1000)::float8 as created_ms,
      (select coalesce(json_agg(json_build_object('id', d.id, 'endpointId', d.endpoint_id) order by d.id), '[]'::json)
         from deliveries d where d.event_id = ev.id) as deliveries
    from events ev where ev.tenant_id = ${input.tenantId} and ev.idempotency_key = ${input.idempotencyKey}`,
  );
  const original = rows[0];
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
