import type { DeadLetter, Delivery, DeliveryAttempt, Event } from '../db/index.ts';

/** Public JSON views of stored rows (dates as ISO strings). */
export type EventView = {
  id: string;
  eventId: string;
  type: string;
  payload: unknown;
  idempotencyKey: string | null;
  correlationId: string;
  createdAt: string;
};

export type DeliveryView = {
  id: string;
  webhookId: string;
  eventId: string;
  endpointId: string;
  status: Delivery['status'];
  series: number;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
};

export type AttemptView = {
  id: string;
  series: number;
  attemptNumber: number;
  trigger: DeliveryAttempt['trigger'];
  outcome: DeliveryAttempt['outcome'];
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  errorCode: string | null;
  error: string | null;
};

export type DeadLetterView = {
  id: string;
  deliveryId: string;
  eventId: string;
  endpointId: string;
  eventType: string;
  series: number;
  attempts: number;
  reason: string;
  lastStatusCode: number | null;
  lastError: string | null;
  status: DeadLetter['status'];
  failedAt: string;
  resolvedAt: string | null;
};

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function eventView(row: Event): EventView {
  return {
    id: row.id,
    eventId: row.id,
    type: row.type,
    payload: row.payload,
    idempotencyKey: row.idempotencyKey,
    correlationId: row.correlationId,
    createdAt: row.createdAt.toISOString(),
  };
}

export function deliveryView(row: Delivery): DeliveryView {
  return {
    id: row.id,
    webhookId: row.id,
    eventId: row.eventId,
    endpointId: row.endpointId,
    status: row.status,
    series: row.series,
    attemptCount: row.attemptCount,
    nextAttemptAt: iso(row.nextAttemptAt),
    lastAttemptAt: iso(row.lastAttemptAt),
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function attemptView(row: DeliveryAttempt): AttemptView {
  return {
    id: row.id,
    series: row.series,
    attemptNumber: row.attemptNumber,
    trigger: row.trigger,
    outcome: row.outcome,
    startedAt: row.startedAt.toISOString(),
    durationMs: row.durationMs,
    statusCode: row.statusCode,
    responseBody: row.responseBody,
    errorCode: row.errorCode,
    error: row.error,
  };
}

export function deadLetterView(row: DeadLetter): DeadLetterView {
  return {
    id: row.id,
    deliveryId: row.deliveryId,
    eventId: row.eventId,
    endpointId: row.endpointId,
    eventType: row.eventType,
    series: row.series,
    attempts: row.attempts,
    reason: row.reason,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    status: row.status,
    failedAt: row.failedAt.toISOString(),
    resolvedAt: iso(row.resolvedAt),
  };
}
