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
export type { AttemptOutcome, FailureReason } from './attempt-outcome.js';
export { createDeadLetterFile, type DeadLetterFile } from './dead-letter-file.js';
export { buildBody, createDeliveryProcessor, createDeliveryWorker, type JobResult } from './delivery-worker.js';
export type { DeadLetterRecord } from './delivery-store.js';
export { endpointService, type EndpointInput, type EndpointPatch, type EndpointService, type EndpointView } from './endpoints.js';
export { isEventType, isEventTypePattern, matchesEventType } from './event-type.js';
export { historyService, type HistoryService } from './history.js';
export { createHttpSender, type HttpSender } from './http-sender.js';
export { createOutboxDispatcher } from './outbox-dispatcher.js';
export { OUTBOX_CHANNEL, publishEvent, publishInTransaction, type PublishedEvent, type PublishInput } from './publish.js';
export { createPublisher, type Publisher } from './publisher.js';
export { createDeliveryQueue, deliveryJobId, DELIVERY_QUEUE, type DeliveryJob, type DeliveryQueue } from './queue.js';
export { createReconciler, type Reconciler } from './reconciler.js';
export { redeliveryService, type BulkRedeliveryFilter, type RedeliveryService } from './redelivery.js';
export { decideNextStep, parseRetryAfter, type NextStep, type RetryPolicy } from './retry-schedule.js';
export type { AttemptView, DeadLetterView, DeliveryView, EventView } from './views.js';
