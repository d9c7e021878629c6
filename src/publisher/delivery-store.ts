import { sql, type SQL } from 'drizzle-orm';
import { BREAKER_COLUMNS, breakerFromRow, type BreakerRow, type StoredBreaker } from '../breaker/index.ts';
import type { Db } from '../db/index.ts';
import { runSql } from '../db/sql-runner.ts';
import type { AttemptOutcome } from './attempt-outcome.ts';
import { uuidArray } from './ids.ts';
import type { DeadReason, NextStep } from './retry-schedule.ts';

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

/**
 * Reads deliveries with their event, endpoint, active secrets and breaker state, in ONE query for
 * any number of ids; each result is undefined when that delivery no longer exists.
 */
export async function loadDeliveryContexts(db: Db, deliveryIds: readonly string[]): Promise<(DeliveryContext | undefined)[]> {
  const rows = await runSql<ContextRow>(db, deliveryContextsStatement(deliveryIds));
  const byId = new Map(rows.map((row) => [row.id, toContext(row)]));
  return deliveryIds.map((id) => byId.get(id));
}

/** The statement `loadDeliveryContexts` runs (exported so a test can look at its plan). */
export function deliveryContextsStatement(deliveryIds: readonly string[]): SQL {
  return sql`
    select d.id, d.tenant_id, d.status, d.series, d.series_trigger, d.attempt_count,
      ev.id as event_id, ev.type as event_type, ev.payload::text as payload_json,
      (extract(epoch from ev.created_at) * 1000)::float8 as event_created_ms, ev.correlation_id,
      ep.id as endpoint_id, ep.url, ep.headers, ep.enabled, ep.disabled_reason,
      ep.breaker_failures, ep.breaker_open_for_ms, ep.breaker_successes, ${BREAKER_COLUMNS},
      (select array_agg(s.secret order by s.created_at desc, s.id desc) from endpoint_secrets s
        where s.endpoint_id = ep.id and (s.expires_at is null or s.expires_at > now())) as secrets
    -- One primary-key probe per row, whatever the planner believes about table sizes: each lookup is
    -- a lateral subquery that OFFSET 0 keeps from being merged into a join. As plain joins, the plan
    -- made while the tables were small (and kept as the connection's generic plan) hash-joined
    -- sequential scans of all deliveries and events into every batch, costlier as the tables grew.
    -- The ids come as a JSON array, whose length the planner does not look at: so the generic plan
    -- costs no more than a custom one and is kept, not planned again (~75 us) for every batch.
    from jsonb_array_elements_text(${JSON.stringify(deliveryIds)}::text::jsonb) as wanted(id)
    cross join lateral (select * from deliveries where id = wanted.id::uuid offset 0) d
    cross join lateral (select * from events where id = d.event_id offset 0) ev
    cross join lateral (select * from endpoints where id = d.endpoint_id offset 0) ep
    left join lateral (select * from circuit_breaker_state where endpoint_id = d.endpoint_id offset 0) cb on true`;
}

function toContext(row: ContextRow): DeliveryContext {
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

export type RecordResult = { moved: boolean; deadLetter: DeadLetterRecord | undefined };

/**
 * Records attempts and moves their deliveries to the next state, any number in ONE statement. Each
 * attempt row is always written (it happened on the wire); a delivery only moves if it is still at
 * the attempt its worker made (same series, previous attempt count), so a stale or duplicate job
 * changes nothing. A dead step also writes the dead letter, and a 410 disables the endpoint.
 */
export async function recordAttempts(db: Db, records: readonly AttemptRecord[]): Promise<RecordResult[]> {
  const rows = await runSql<{ id: string; dead_letter: Omit<DeadLetterRecord, 'url' | 'payload'> | null }>(db, recordAttemptsStatement(records));
  const moved = new Map(rows.map((row) => [row.id, row.dead_letter]));
  return records.map((record) => {
    const dead = moved.get(record.context.id);
    return {
      moved: moved.has(record.context.id),
      deadLetter: dead ? { ...dead, url: record.context.url, payload: JSON.parse(record.context.payloadJson) as unknown } : undefined,
    };
  });
}

/** The statement `recordAttempts` runs (exported so a test can look at its plan). */
export function recordAttemptsStatement(records: readonly AttemptRecord[]): SQL {
  const input = records.map((record) => {
    const { context, outcome, step } = record;
    return {
      id: context.id,
      tenant_id: context.tenantId,
      series: context.series,
      attempt: record.attempt,
      status: STATUS_AFTER[step.kind],
      next_attempt_at: record.nextAttemptAt === null ? null : new Date(record.nextAttemptAt).toISOString(),
      started_at: new Date(record.startedAt).toISOString(),
      duration_ms: Math.round(outcome.durationMs),
      outcome: outcome.ok ? 'succeeded' : 'failed',
      status_code: outcome.status ?? null,
      response_body: outcome.responseBody ?? null,
      error_code: outcome.ok ? null : outcome.reason,
      error: outcome.ok ? null : outcome.message,
      trigger: record.trigger,
      dead_reason: step.kind === 'dead' ? step.reason : null,
      event_type: context.eventType,
      disable: step.kind === 'dead' && step.disableEndpoint,
    };
  });
  return sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(input)}::text::jsonb) as r(id uuid, tenant_id uuid, series int,
        attempt int, status text, next_attempt_at timestamptz, started_at timestamptz, duration_ms int, outcome text,
        status_code int, response_body text, error_code text, error text, trigger text, dead_reason text,
        event_type text, disable boolean)
    ), moved as (
      update deliveries d set status = i.status::delivery_status, attempt_count = i.attempt,
        next_attempt_at = i.next_attempt_at, last_attempt_at = i.started_at, last_status_code = i.status_code,
        last_error = i.error, updated_at = now()
      from input i
      -- Written as "not succeeded and not dead" (the same two states) so the planner cannot pick the
      -- partial due index (status in pending, failed): with many old rows its statistics say almost
      -- nothing is due, and scanning every due delivery per batch cost 50-90 ms once thousands were.
      -- d.id = any(ids) gives the planner a primary-key path: joined on the input alone (which it takes
      -- for 100 rows), the generic plan read all deliveries per batch up to at least 5,000 of them
      -- (analyzed or not); with it, the primary key from 2,000 (test/delivery-plans.int.test.ts).
      where d.id = any(${uuidArray(records.map((record) => record.context.id))}::uuid[])
        and d.id = i.id and d.series = i.series and d.attempt_count = i.attempt - 1
        and d.status <> 'succeeded' and d.status <> 'dead'
      returning d.id, d.tenant_id, d.event_id, d.endpoint_id, d.series, d.attempt_count
    ), attempt as (
      insert into delivery_attempts (tenant_id, delivery_id, series, attempt_number, trigger, started_at, duration_ms,
        outcome, status_code, response_body, error_code, error)
      select tenant_id, id, series, attempt, trigger::attempt_trigger, started_at, duration_ms, outcome, status_code,
        response_body, error_code, error
      from input
      on conflict do nothing
    ), dead as (
      insert into webhook_failures (tenant_id, delivery_id, event_id, endpoint_id, event_type, series, attempts, reason,
        last_status_code, last_error, failed_at)
      select m.tenant_id, m.id, m.event_id, m.endpoint_id, i.event_type, m.series, m.attempt_count, i.dead_reason,
        i.status_code, i.error, now()
      from moved m join input i on i.id = m.id where i.dead_reason is not null
      returning id, tenant_id, delivery_id, event_id, endpoint_id, event_type, series, attempts, reason,
        last_status_code, last_error, failed_at
    ), disabled as (
      update endpoints set enabled = false, disabled_reason = 'endpoint answered 410 Gone', disabled_at = now(), updated_at = now()
      where enabled and id in (select m.endpoint_id from moved m join input i on i.id = m.id where i.disable)
    )
    select m.id,
      (select json_build_object('id', x.id, 'tenantId', x.tenant_id, 'deliveryId', x.delivery_id, 'eventId', x.event_id,
         'endpointId', x.endpoint_id, 'eventType', x.event_type, 'series', x.series, 'attempts', x.attempts,
         'reason', x.reason, 'lastStatusCode', x.last_status_code, 'lastError', x.last_error, 'failedAt', x.failed_at)
       from dead x where x.delivery_id = m.id) as dead_letter
    from moved m`;
}
