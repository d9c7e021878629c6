import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AttemptOutcome, DeliveryMetrics, NextStep, Publisher } from '../publisher/index.ts';
import { endpointLabeler } from './endpoint-labels.ts';
import { readQueueDepth, readState, type SnapshotSources, type StateSnapshot } from './snapshot.ts';

export type GatewayMetrics = {
  /** This gateway's own registry (never prom-client's global one: several gateways may share a process). */
  registry: Registry;
  /** Handed to the delivery worker. */
  delivery: DeliveryMetrics;
  /** Wraps a publisher so every newly committed event counts in `messaging_published_total`. */
  countPublishes(publisher: Publisher): Publisher;
  /** The Prometheus text exposition of every metric, reading the scrape-time gauges first. */
  render(): Promise<string>;
  contentType: string;
};

export type GatewayMetricsOptions = {
  /** How many endpoints get their own `endpoint` label (the rest: `other`). */
  endpointLabels: number;
  /** Postgres and BullMQ, read at scrape time for the gateway-wide gauges. */
  sources: SnapshotSources;
  /** How long a scrape waits for Postgres or Redis before reporting that source down. */
  scrapeTimeoutMs?: number;
};

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Attempts that reached the network (the others fail before any request: no latency to report). */
const NETWORK_REASONS = new Set(['http_status', 'redirect', 'timeout', 'network_error']);
const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/**
 * Creates a gateway's Prometheus metrics: counters and histograms updated by the publisher and the
 * delivery worker of this process, and gauges of gateway-wide state (outbox, queue depth, dead
 * letters, breakers) read from Postgres and BullMQ on each scrape.
 */
export function createGatewayMetrics(options: GatewayMetricsOptions): GatewayMetrics {
  const registry = new Registry();
  const registers = [registry];
  const label = endpointLabeler(options.endpointLabels);
  const timeoutMs = options.scrapeTimeoutMs ?? 2_000;
  collectDefaultMetrics({ register: registry });

  const published = new Counter({ name: 'messaging_published_total', help: 'Events published and committed by this process (idempotent replays excluded)', registers });
  const consumed = new Counter({
    name: 'messaging_consumed_total',
    help: 'Delivery jobs this process took from the queue and attempted (each attempt of a delivery is one job)',
    registers,
  });
  const failed = new Counter({
    name: 'messaging_failed_total',
    help: 'Failed delivery attempts by reason (timeout, network_error, http_status, redirect, circuit_open, endpoint_disabled, invalid_target), and jobs that threw (infrastructure)',
    labelNames: ['reason'],
    registers,
  });
  const processing = new Histogram({
    name: 'messaging_processing_duration',
    help: 'Seconds to process one delivery job that made an attempt: load, sign, send, record',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const attempts = new Counter({
    name: 'messaging_delivery_attempts_total',
    help: 'Delivery attempts by endpoint and the delivery status they led to (succeeded, failed: retry scheduled, dead: dead-lettered)',
    labelNames: ['endpoint', 'outcome'],
    registers,
  });
  const attemptLatency = new Histogram({
    name: 'messaging_delivery_attempt_duration_seconds',
    help: 'HTTP latency of delivery attempts that reached the network, by endpoint',
    labelNames: ['endpoint'],
    buckets: LATENCY_BUCKETS,
    registers,
  });

  // Gateway-wide state: one Postgres read and one Redis read per scrape, shared by the gauges below.
  let state: Promise<StateSnapshot | undefined> | undefined;
  let depth: Promise<Awaited<ReturnType<typeof readQueueDepth>> | undefined> | undefined;
  const sourceUp = new Gauge({
    name: 'messaging_metrics_source_up',
    help: 'Whether this scrape could read the source of the gateway-wide gauges (postgres, redis)',
    labelNames: ['source'],
    registers,
    async collect() {
      await Promise.all([snapshot(), queueDepth()]);
    },
  });
  const readOnce = <T>(source: 'postgres' | 'redis', read: () => Promise<T>): Promise<T | undefined> =>
    withTimeout(read(), timeoutMs).then(
      (value) => {
        sourceUp.set({ source }, 1);
        return value;
      },
      () => {
        sourceUp.set({ source }, 0);
        return undefined;
      },
    );
  const snapshot = () => (state ??= readOnce('postgres', () => readState(options.sources, options.endpointLabels)));
  const queueDepth = () => (depth ??= readOnce('redis', () => readQueueDepth(options.sources.queue)));

  new Gauge({
    name: 'messaging_outbox_pending',
    help: 'Deliveries committed but not attempted yet',
    registers,
    async collect() {
      const value = await snapshot();
      if (value) this.set(value.outboxPending);
      else this.reset();
    },
  });
  new Gauge({
    name: 'messaging_retries_pending',
    help: 'Deliveries that failed and wait for a scheduled retry',
    registers,
    async collect() {
      const value = await snapshot();
      if (value) this.set(value.retrying);
      else this.reset();
    },
  });
  new Gauge({
    name: 'messaging_dead_letters',
    help: 'Open dead letters (neither redelivered nor dismissed)',
    registers,
    async collect() {
      const value = await snapshot();
      if (value) this.set(value.openDeadLetters);
      else this.reset();
    },
  });
  new Gauge({
    name: 'messaging_breakers',
    help: 'Endpoints by circuit breaker state',
    labelNames: ['state'],
    registers,
    async collect() {
      const value = await snapshot();
      this.reset();
      if (value) for (const [name, count] of Object.entries(value.breakers)) this.set({ state: name }, count);
    },
  });
  new Gauge({
    name: 'messaging_breaker_state',
    help: 'Circuit breaker state of each endpoint whose breaker is not closed (1 half_open, 2 open; absent means closed)',
    labelNames: ['endpoint'],
    registers,
    async collect() {
      const value = await snapshot();
      this.reset();
      for (const breaker of value?.notClosed ?? []) this.set({ endpoint: breaker.endpointId }, BREAKER_VALUE[breaker.state]);
    },
  });
  new Gauge({
    name: 'messaging_queue_depth',
    help: 'Delivery jobs in the BullMQ queue by state (wait, active, delayed, prioritized, paused)',
    labelNames: ['state'],
    registers,
    async collect() {
      const value = await queueDepth();
      this.reset();
      if (value) for (const [name, count] of Object.entries(value)) this.set({ state: name }, count);
    },
  });

  function attempted(endpointId: string, outcome: AttemptOutcome, step: NextStep, seconds: number): void {
    consumed.inc();
    processing.observe(seconds);
    const endpoint = label(endpointId);
    attempts.inc({ endpoint, outcome: step.kind === 'succeeded' ? 'succeeded' : step.kind === 'retry' ? 'failed' : 'dead' });
    if (!outcome.ok) failed.inc({ reason: outcome.reason });
    if (outcome.ok || NETWORK_REASONS.has(outcome.reason)) attemptLatency.observe({ endpoint }, outcome.durationMs / 1000);
  }

  return {
    registry,
    contentType: registry.contentType,
    delivery: { attempted, jobFailed: () => failed.inc({ reason: 'infrastructure' }) },
    countPublishes(publisher) {
      return {
        async publish(input) {
          const event = await publisher.publish(input);
          if (event.created) published.inc();
          return event;
        },
      };
    },
    async render() {
      state = undefined;
      depth = undefined;
      try {
        return await registry.metrics();
      } finally {
        state = undefined;
        depth = undefined;
      }
    },
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
