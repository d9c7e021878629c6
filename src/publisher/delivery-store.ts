import { sql } from 'drizzle-orm';
import { BREAKER_COLUMNS, breakerFromRow, type BreakerRow, type StoredBreaker } from '../breaker/index.js';
import type { Db } from '../db/index.js';
import { runSql } from '../db/sql-runner.js';
import type { AttemptOutcome } from './attempt-outcome.js';
import type { DeadReason, NextStep } from './retry-schedule.js';

/** Everything one attempt needs, read in a single query. */
export type DeliveryContext = {
  id: string;
  tenantId: string;
  status: 'pending' | 'succeeded' | 'failed' | 'dead';
  series: number;
  seriesTrigger: 'scheduled' | 'manual';
  attemptCount: number;
  eventId: string;
  eventType: string;
  /** The event payload exactly as Postgres renders the jsonb. */
  payloadJson: string;
  eventCreatedMs: number;
  correlationId: string;
  endpointId: string;
  url: string;
  customHeaders: Record<string, string>;
  enabled: boolean;
  disabledReason: string | null;
  /** Active signing secrets, newest first. */
  secrets: string[];
  /** The endpoint's breaker as read with the delivery (closed, version 0, when never stored). */
  breaker: StoredBreaker;
  breakerOverrides: { failures: number | null; openForMs: number | null; successes: number | null };
};

type ContextRow = BreakerRow & {
  id: string;
  tenant_id: string;
  status: DeliveryContext['status'];
  series: number;
  series_trigger: DeliveryContext['seriesTrigger'];
  attempt_count: number;
  event_id: string;
  event_type: string;
  payload_json: string;
  event_created_ms: number;
  correlation_id: string;
  endpoint_id: string;
  url: string;
  headers: Record<string, string>;
  enabled: boolean;
  disabled_reason: string | null;
  secrets: string[] | null;
  breaker_failures: number | null;
  breaker_open_for_ms: number | null;
  breaker_successes: number | null;
};

/** A dead letter as mirrored to the JSONL file. */
export type DeadLetterRecord = {
  id: string;
  tenantId: string;
  deliveryId: string;
  eventId: string;
  endpointId: string;
  url: string;
  eventType: string;
  payload: unknown;
  series: number;
  attempts: number;
  reason: DeadReason;
  lastStatusCode: number | null;
  lastError: string | null;
  failedAt: string;
};

export type AttemptRecord = {
  context: DeliveryContext;
  attempt: number;
  trigger: 'scheduled' | 'manual';
  startedAt: number;
  outcome: AttemptOutcome;
  step: NextStep;
  /** When the next attempt is due (retry steps only). */
  nextAttemptAt: number | null;
};

/** Reads a delivery with its event, endpoint and active secrets; undefined when it no longer exists. */
export async function loadDeliveryContext(db: Db, deliveryId: string): Promise<DeliveryContext | undefined> {
  const rows = await runSql<ContextRow>(
    db,
    sql`
    select d.id, d.tenant_id, d.status, d.series, d.series_trigger, d.attempt_count,
      ev.id as event_id, ev.type as event_type, ev.payload::text as payload_json,
      (extract(epoch from ev.created_at) * 1000)::float8 as event_created_ms, ev.correlation_id,
      ep.id as endpoint_id, ep.url, ep.headers, ep.enabled, ep.disabled_reason,
      ep.breaker_failures, ep.breaker_open_for_ms, ep.breaker_successes, ${BREAKER_COLUMNS},
      (select array_agg(s.secret order by s.created_at desc, s.id desc) from endpoint_secrets s
        where s.endpoint_id = ep.id and (s.expires_at is null or s.expires_at > now())) as secrets
    from deliveries d
    join events ev on ev.id = d.event_id
    join endpoints ep on ep.id = d.endpoint_id
    left join circuit_breaker_state cb on cb.endpoint_id = ep.id
    where d.id = ${deliveryId}`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    status: row.status,
    series: row.series,
    seriesTrigger: row.series_trigger,
    attemptCount: row.attempt_count,
    eventId: row.event_id,
    eventType: row.event_type,
    payloadJson: row.payload_json,
    eventCreatedMs: row.event_created_ms,
    correlationId: row.correlation_id,
    endpointId: row.endpoint_id,
    url: row.url,
    customHeaders: row.headers,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    secrets: row.secrets ?? [],
    breaker: breakerFromRow(row),
    breakerOverrides: { failures: row.breaker_failures, openForMs: row.breaker_open_for_ms, successes: row.breaker_successes },
  };
}

const STATUS_AFTER: Record<NextStep['kind'], 'succeeded' | 'failed' | 'dead'> = {
  succeeded: 'succeeded',
  retry: 'failed',
  dead: 'dead',
};

/**
 * Records an attempt and moves the delivery to its next state in ONE statement. The attempt row is
 * always written (it happened on the wire); the delivery only moves if it is still at the attempt
 * this worker made (same series, previous attempt count), so a stale or duplicate job changes
 * nothing. A dead step also writes the dead letter, and a 410 disables the endpoint.
 * Returns the dead letter when one was written, and whether the delivery moved.
 */
export async function recordAttempt(
  db: Db,
  record: AttemptRecord,
): Promise<{ moved: boolean; deadLetter: DeadLetterRecord | undefined }> {
  const { context, outcome, step } = record;
  const status = STATUS_AFTER[step.kind];
  const error = outcome.ok ? null : outcome.message;
  const errorCode = outcome.ok ? null : outcome.reason;
  const statusCode = outcome.status ?? null;
  const startedAt = new Date(record.startedAt).toISOString();
  const nextAttemptAt = record.nextAttemptAt === null ? null : new Date(record.nextAttemptAt).toISOString();
  const deadReason = step.kind === 'dead' ? step.reason : null;
  const disable = step.kind === 'dead' && step.disableEndpoint;

  const rows = await runSql<{ moved: boolean; dead_letter: DeadLetterRecord | null }>(
    db,
    sql`
    with moved as (
      update deliveries set
        status = ${status}, attempt_count = ${record.attempt}, next_attempt_at = ${nextAttemptAt}::timestamptz,
        last_attempt_at = ${startedAt}::timestamptz, last_status_code = ${statusCode}, last_error = ${error}, updated_at = now()
      where id = ${context.id} and series = ${context.series} and attempt_count = ${record.attempt - 1}
        and status in ('pending', 'failed')
      returning id, tenant_id, event_id, endpoint_id, series, attempt_count
    ), attempt as (
      insert into delivery_attempts (tenant_id, delivery_id, series, attempt_number, trigger, started_at, duration_ms,
        outcome, status_code, response_body, error_code, error)
      values (${context.tenantId}, ${context.id}, ${context.series}, ${record.attempt}, ${record.trigger},
        ${startedAt}::timestamptz, ${Math.round(outcome.durationMs)}, ${outcome.ok ? 'succeeded' : 'failed'},
        ${statusCode}, ${outcome.responseBody ?? null}, ${errorCode}, ${error})
      on conflict do nothing
    ), dead as (
      insert into webhook_failures (tenant_id, delivery_id, event_id, endpoint_id, event_type, series, attempts, reason,
        last_status_code, last_error, failed_at)
      select m.tenant_id, m.id, m.event_id, m.endpoint_id, ${context.eventType}, m.series, m.attempt_count, ${deadReason},
        ${statusCode}, ${error}, now()
      from moved m where ${deadReason}::text is not null
      returning id, tenant_id, delivery_id, event_id, endpoint_id, event_type, series, attempts, reason,
        last_status_code, last_error, failed_at
    ), disabled as (
      update endpoints set enabled = false, disabled_reason = ${`endpoint answered ${statusCode ?? ''} Gone`},
        disabled_at = now(), updated_at = now()
      where ${disable} and id = (select endpoint_id from moved) and enabled
    )
    select exists (select 1 from moved) as moved,
      (select json_build_object('id', x.id, 'tenantId', x.tenant_id, 'deliveryId', x.delivery_id, 'eventId', x.event_id,
         'endpointId', x.endpoint_id, 'eventType', x.event_type, 'series', x.series, 'attempts', x.attempts,
         'reason', x.reason, 'lastStatusCode', x.last_status_code, 'lastError', x.last_error, 'failedAt', x.failed_at)
       from dead x) as dead_letter`,
  );
  const row = rows[0];
  const deadLetter = row?.dead_letter
    ? { ...row.dead_letter, url: context.url, payload: JSON.parse(context.payloadJson) as unknown }
    : undefined;
  return { moved: row?.moved ?? false, deadLetter };
}
