/**
 * The publishing side of the gateway.
 *
 * Postgres is the source of truth and Redis only schedules. A publish writes the event and one
 * delivery per matching endpoint in a single statement (the outbox); jobs are queued after the
 * commit with deterministic ids (`delivery_series_attempt`), so every path that queues (the API,
 * the LISTEN dispatcher for in-transaction publishes, retries, the reconciler) may do so twice
 * harmlessly. A worker loads a delivery in one query, POSTs it signed, and records the attempt and
 * the next state in one conditional statement keyed by (delivery, series, attempt), so a stale or
 * duplicate job changes nothing. The reconciler re-queues whatever Postgres says is overdue.
 */
export type { AttemptOutcome, FailureReason } from './attempt-outcome.ts';
export { createDeadLetterFile, type DeadLetterFile } from './dead-letter-file.ts';
export { buildBody, createDeliveryProcessor, createDeliveryWorker, type JobResult } from './delivery-worker.ts';
export { createEndpointGate, type EndpointGate } from './endpoint-gate.ts';
export type { DeadLetterRecord } from './delivery-store.ts';
export { endpointHealth, type EndpointHealth } from './endpoint-health.ts';
export { endpointService, type EndpointInput, type EndpointPatch, type EndpointService, type EndpointView } from './endpoints.ts';
export { isEventType, isEventTypePattern, matchesEventType } from './event-type.ts';
export { historyService, type HistoryService } from './history.ts';
export { createHttpSender, type HttpSender } from './http-sender.ts';
export { createOutboxDispatcher } from './outbox-dispatcher.ts';
export { OUTBOX_CHANNEL, publishEvent, publishInTransaction, type PublishedEvent, type PublishInput } from './publish.ts';
export { createPublisher, type Publisher } from './publisher.ts';
export { createDeliveryQueue, deliveryJobId, DELIVERY_QUEUE, type DeliveryJob, type DeliveryQueue } from './queue.ts';
export { createReconciler, type Reconciler } from './reconciler.ts';
export { redeliveryService, type BulkRedeliveryFilter, type RedeliveryService } from './redelivery.ts';
export { blockedReason, BlockedTargetError, createTargetGuard, type TargetGuard } from './target-guard.ts';
export { decideNextStep, parseRetryAfter, type NextStep, type RetryPolicy } from './retry-schedule.ts';
export type { AttemptView, DeadLetterView, DeliveryView, EventView } from './views.ts';
export type { DeliveryMetrics } from './delivery-metrics.ts';
