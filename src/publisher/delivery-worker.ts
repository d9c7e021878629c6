import { DelayedError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { breakerOutcome, type Breaker, type BreakerConfig, type Transition } from '../breaker/index.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import type { SecretBox } from '../secrets/index.ts';
import type { DeliveryMetrics } from './delivery-metrics.ts';
import { buildWebhookHeaders } from '../signature/index.ts';
import type { AttemptOutcome } from './attempt-outcome.ts';
import type { DeadLetterFile } from './dead-letter-file.ts';
import { createBatcher } from './batcher.ts';
import type { EndpointGate, GateTicket } from './endpoint-gate.ts';
import { createNodeHmac } from './node-hmac.ts';
import { loadDeliveryContexts, recordAttempts, type AttemptRecord, type DeliveryContext, type RecordResult } from './delivery-store.ts';
import type { HttpSender } from './http-sender.ts';
import { DELIVERY_QUEUE, type DeliveryJob, type DeliveryQueue } from './queue.ts';
import { decideNextStep, type RetryPolicy } from './retry-schedule.ts';

/** How long a batch of attempt records collects before it is written (unless it fills first). */
const RECORD_WINDOW_MS = 5;

/** What processing one job did; useful for tests and logs. */
export type JobResult =
  | { kind: 'stale'; why: string }
  /** The endpoint is busy and slow: try this job again at `retryAt` (no attempt was made). */
  | { kind: 'deferred'; retryAt: number }
  | { kind: 'attempted'; outcome: AttemptOutcome; step: ReturnType<typeof decideNextStep>; moved: boolean };

export type DeliveryProcessorDeps = {
  db: Db;
  queue: DeliveryQueue;
  sender: HttpSender;
  clock: Clock;
  policy: RetryPolicy;
  logger: Logger;
  /** Counts attempts and their latency (Prometheus); undefined records nothing. */
  metrics?: DeliveryMetrics | undefined;
  deadLetterFile?: DeadLetterFile | undefined;
  /** The per-endpoint circuit breaker; undefined turns it off (`BREAKER_ENABLED=false`). */
  breaker: Breaker | undefined;
  /** Gateway-wide breaker thresholds; an endpoint may override each. */
  breakerDefaults: { failures: number; openForMs: number; successes: number; trialLeaseMs: number };
  /** Opens the endpoint secrets stored sealed (SECRETS_KEY). */
  secretBox: SecretBox;
  /** Called when an endpoint's breaker closes again after an outage that started at `since`. */
  onRecovered?: ((endpointId: string, since: number) => void) | undefined;
  /** Per-endpoint request slots in this process; undefined means no per-endpoint limit. */
  gate?: EndpointGate | undefined;
};

/** The breaker thresholds for one endpoint: its overrides, else the defaults. */
export function breakerConfigFor(context: DeliveryContext, defaults: DeliveryProcessorDeps['breakerDefaults']): BreakerConfig {
  return {
    failureThreshold: context.breakerOverrides.failures ?? defaults.failures,
    openForMs: context.breakerOverrides.openForMs ?? defaults.openForMs,
    successThreshold: context.breakerOverrides.successes ?? defaults.successes,
    trialLeaseMs: defaults.trialLeaseMs,
  };
}

/**
 * The body every endpoint receives: a Standard Webhooks style envelope around the published payload.
 * Built by string concatenation from the stored jsonb text, so it costs no parse and is identical
 * on every attempt.
 */
export function buildBody(context: DeliveryContext): string {
  return `{"id":${JSON.stringify(context.eventId)},"type":${JSON.stringify(context.eventType)},"timestamp":${JSON.stringify(
    new Date(context.eventCreatedMs).toISOString(),
  )},"data":${context.payloadJson}}`;
}

/**
 * Creates the function that performs one delivery job: load (one query), sign, POST, record the attempt
 * and the next state (one statement), then schedule the retry. Delivery failures are results; only
 * infrastructure errors (Postgres down) throw, and BullMQ retries the job.
 */
export function createDeliveryProcessor(deps: DeliveryProcessorDeps): (job: DeliveryJob) => Promise<JobResult> {
  const { db, queue, sender, clock, policy, logger } = deps;
  // Concurrent jobs share their Postgres round trips: one query loads many deliveries, one statement records many attempts.
  const loadContext = createBatcher((ids: string[]) => loadDeliveryContexts(db, ids), { maxBatch: 100 });
  // Recording is off the receiver's path: a batch stays open 5 ms, so at moderate rates one statement
  // (one commit) records several attempts instead of one or two (3x fewer statements at 1,000/s).
  const recordAttempt = createBatcher<AttemptRecord, RecordResult>((records) => recordAttempts(db, records), { maxBatch: 100, windowMs: RECORD_WINDOW_MS });
  const mac = createNodeHmac();

  return async function processDelivery(job) {
    const began = performance.now();
    // A job that names its endpoint asks the gate first: deferring a slow endpoint's job reads nothing.
    const early = job.endpointId ? await deps.gate?.enter(job.endpointId) : undefined;
    if (early && !early.allowed) return { kind: 'deferred', retryAt: early.retryAt };
    let slot: AdmittedTicket | undefined = early;
    let context: DeliveryContext | undefined;
    try {
      context = await loadContext(job.deliveryId);
    } catch (error) {
      slot?.release(false);
      throw error;
    }
    const stale = staleness(context, job);
    if (stale !== undefined || !context) {
      slot?.release(false);
      return { kind: 'stale', why: stale ?? 'delivery no longer exists' };
    }
    // No request goes to a disabled endpoint; a job that named another endpoint is gated by its delivery's.
    if (slot && (!context.enabled || context.endpointId !== job.endpointId)) {
      slot.release(false);
      slot = undefined;
    }
    if (!slot && context.enabled) {
      const ticket = await deps.gate?.enter(context.endpointId);
      if (ticket && !ticket.allowed) return { kind: 'deferred', retryAt: ticket.retryAt };
      slot = ticket;
    }
    const startedAt = clock.now();
    let outcome: AttemptOutcome | undefined;
    try {
      outcome = await attempt(context, startedAt);
    } finally {
      // Only a request that went out teaches the gate how fast the endpoint is.
      slot?.release(outcome !== undefined && wentOut(outcome));
    }
    const step = decideNextStep(outcome, job.attempt, policy);
    const decidedAt = clock.now();
    const nextAttemptAt = step.kind === 'retry' ? decidedAt + step.delayMs : null;
    const trigger = job.attempt === 1 && context.seriesTrigger === 'manual' ? 'manual' : 'scheduled';
    const { moved, deadLetter } = await recordAttempt({ context, attempt: job.attempt, trigger, startedAt, outcome, step, nextAttemptAt });
    const log = { webhookId: context.id, deliveryId: context.id, eventId: context.eventId, endpointId: context.endpointId, correlationId: context.correlationId, attempt: job.attempt };
    deps.metrics?.attempted(context.endpointId, outcome, step, (performance.now() - began) / 1000);
    if (!moved) {
      logger.warn(log, 'attempt recorded but the delivery had moved on (duplicate or stale job)');
    } else if (step.kind === 'retry') {
      // Due at exactly nextAttemptAt, so retries run in the order Postgres records them.
      queue.enqueue([{ deliveryId: context.id, series: context.series, attempt: job.attempt + 1, endpointId: context.endpointId }], step.delayMs, decidedAt).catch((error: unknown) => {
        logger.warn({ ...log, err: error }, 'could not schedule retry in Redis; the reconciler will');
      });
    }
    if (deadLetter) {
      logger.warn({ ...log, reason: deadLetter.reason }, 'delivery dead-lettered');
      await deps.deadLetterFile?.append(deadLetter);
    } else if (!outcome.ok) {
      logger.info({ ...log, reason: outcome.reason, status: outcome.status }, 'delivery attempt failed');
    } else {
      logger.debug({ ...log, status: outcome.status, durationMs: outcome.durationMs }, 'delivered');
    }
    return { kind: 'attempted', outcome, step, moved };
  };

  async function attempt(context: DeliveryContext, startedAt: number): Promise<AttemptOutcome> {
    if (!context.enabled)
      return { ok: false, reason: 'endpoint_disabled', durationMs: 0, message: `endpoint disabled: ${context.disabledReason ?? 'by its owner'}` };
    if (context.secrets.length === 0)
      return { ok: false, reason: 'endpoint_disabled', durationMs: 0, message: 'endpoint has no active signing secret' };
    const breaker = deps.breaker;
    if (!breaker) return send(context, startedAt);
    const config = breakerConfigFor(context, deps.breakerDefaults);
    const ticket = await breaker.admit(context.endpointId, config, context.breaker);
    if (!ticket.allowed)
      return { ok: false, reason: 'circuit_open', durationMs: 0, message: `circuit open: no request sent (next trial after ${new Date(ticket.retryAt).toISOString()})` };
    const outcome = await send(context, startedAt);
    const transitions = await breaker.record(context.endpointId, config, ticket, breakerOutcome(outcome));
    if (transitions.length > 0) onTransitions(context, transitions);
    return outcome;
  }

  function onTransitions(context: DeliveryContext, transitions: Transition[]): void {
    for (const transition of transitions) {
      logger.warn({ endpointId: context.endpointId, from: transition.from, to: transition.to, reason: transition.reason }, 'circuit breaker transition');
      if (transition.to === 'closed' && transition.reason === 'success_threshold' && context.breaker.state.state !== 'closed')
        deps.onRecovered?.(context.endpointId, context.breaker.state.outageStartedAt);
    }
  }

  async function send(context: DeliveryContext, startedAt: number): Promise<AttemptOutcome> {
    const body = buildBody(context);
    const signed = await buildWebhookHeaders({
      webhookId: context.id,
      timestamp: Math.floor(startedAt / 1000),
      body,
      secrets: context.secrets.map((secret) => deps.secretBox.open(secret)),
      correlationId: context.correlationId,
    }, mac);
    return sender.send({ url: context.url, headers: { ...context.customHeaders, ...signed }, body });
  }
}

/** Why a job no longer matches its delivery (deleted, moved to another attempt or series, finished), if it does not. */
function staleness(context: DeliveryContext | undefined, job: DeliveryJob): string | undefined {
  if (!context) return 'delivery no longer exists';
  if (context.series !== job.series || context.attemptCount !== job.attempt - 1)
    return `delivery is at series ${context.series} attempt ${context.attemptCount}`;
  if (context.status !== 'pending' && context.status !== 'failed') return `delivery is ${context.status}`;
  return undefined;
}

type AdmittedTicket = Extract<GateTicket, { allowed: true }>;

const NO_REQUEST: ReadonlySet<string> = new Set(['circuit_open', 'endpoint_disabled', 'invalid_target']);

function wentOut(outcome: AttemptOutcome): boolean {
  return outcome.ok || !NO_REQUEST.has(outcome.reason);
}

/** Jobs the worker runs at once: its concurrency plus the slots held up by other endpoints, at most doubling it. */
export function workerSlots(concurrency: number, heldUp: number): number {
  return concurrency + Math.min(concurrency, heldUp);
}

export type DeliveryWorkerOptions = DeliveryProcessorDeps & { connection: Redis; prefix: string; concurrency: number; lockMs: number };

/**
 * Starts a BullMQ worker running the delivery processor. `close()` stops taking jobs and waits for
 * the ones in flight to finish and be recorded (graceful shutdown).
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): { worker: Worker<DeliveryJob, JobResult>; close(): Promise<void> } {
  const process = createDeliveryProcessor(options);
  const run = async (job: Job<DeliveryJob>, token?: string): Promise<JobResult> => {
    const result = await process(job.data);
    if (result.kind !== 'deferred') return result;
    // Same job, same id, back to the delayed set: not an attempt, so the delivery's schedule is unchanged.
    await job.moveToDelayed(Date.now() + Math.max(0, result.retryAt - options.clock.now()), token);
    throw new DelayedError();
  };
  const worker = new Worker<DeliveryJob, JobResult>(DELIVERY_QUEUE, run, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
    // Locks are renewed while a job runs; a crashed worker's jobs are found by the stall check and run again.
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    maxStalledCount: 5,
  });
  // Slots held up by other endpoints (requests that hang, at most ENDPOINT_CONCURRENCY each, and jobs
  // waiting on a new endpoint) are added back, up to doubling the worker, so the other endpoints keep
  // the concurrency they were given.
  const gate = options.gate;
  const elastic = gate
    ? setInterval(() => {
        const wanted = workerSlots(options.concurrency, gate.stuck());
        if (worker.concurrency !== wanted) worker.concurrency = wanted;
      }, 100)
    : undefined;
  elastic?.unref();
  worker.on('error', (error) => options.logger.error({ err: error }, 'delivery worker error'));
  worker.on('failed', (job, error) => {
    options.metrics?.jobFailed();
    options.logger.warn({ err: error, webhookId: job?.data.deliveryId }, 'delivery job failed (infrastructure); BullMQ will retry it');
  });
  return {
    worker,
    close: () => {
      clearInterval(elastic);
      return worker.close();
    },
  };
}
