/**
 * Measuring delivery: drain a queued backlog (queue paused while it is published, then resumed),
 * and publish-to-receipt latency of events published at a constant rate.
 */
import { cpuMeter } from './cpu.ts';
import type { Environment } from './environment.ts';
import { closedLoop, errorKinds, openLoop, pooledRate, type PublishClient } from './load.ts';
import type { ReceiverProcess } from './receiver-process.ts';
import { nowMs, pollUntil, summarize, type Summary } from './stats.ts';

export type DrainResult = {
  events: number;
  /** Deliveries expected at the counted receivers. */
  expected: number;
  received: number;
  complete: boolean;
  /** From resuming the queue to the last counted delivery. */
  seconds: number;
  perSecond: number;
  publishErrors: Record<string, number>;
  /** Share of one core each process in `pids` (and this load generator) used while draining (100 = one core busy). */
  cpuPercent: Record<string, number>;
};

/**
 * Publishes `events` events of `type` (unique to this run) while the delivery queue is paused, waits until their
 * `jobsPerEvent` jobs each are queued, then resumes the queue and times the workers until
 * `receivers` got `expectedPerEvent` distinct deliveries per event (or `timeoutMs` passes).
 */
export async function drainBacklog(options: {
  environment: Environment;
  client: PublishClient;
  receivers: readonly ReceiverProcess[];
  type: string;
  events: number;
  jobsPerEvent: number;
  expectedPerEvent: number;
  timeoutMs: number;
  /** Processes whose CPU use is measured while draining (a list is summed). */
  pids?: Record<string, number | number[]>;
}): Promise<DrainResult> {
  const { environment, client, receivers, events } = options;
  // Start from an idle queue: leftovers of an earlier phase must not be drained with these.
  if (!(await pollUntil(async () => (await environment.busyJobs()) === 0, 120_000, 50)))
    throw new Error(`the queue did not become idle: ${await environment.busyJobs()} jobs waiting or active`);
  await environment.queue.pause();
  const results = await closedLoop(events, 32, (index) => client.publish(options.type, index));
  const accepted = results.filter((result) => result.ok).length;
  const jobs = accepted * options.jobsPerEvent;
  if (!(await pollUntil(async () => (await environment.queuedJobs()) >= jobs, 60_000, 50)))
    throw new Error(`only ${await environment.queuedJobs()} of ${jobs} jobs were queued`);
  await Promise.all(receivers.map((receiver) => receiver.reset()));
  const expected = accepted * options.expectedPerEvent;
  // Counted by event type, so a straggler from an earlier phase cannot count as one of these.
  const receivedNow = async () => (await Promise.all(receivers.map((receiver) => receiver.received(options.type)))).reduce((sum, count) => sum + count, 0);
  const meter = cpuMeter(Object.fromEntries(Object.entries(options.pids ?? {}).map(([name, pid]) => [name, () => [pid].flat()])));
  const start = nowMs();
  await environment.queue.resume();
  const complete = await pollUntil(async () => (await receivedNow()) >= expected, options.timeoutMs, 20);
  const cpuPercent = meter.stop();
  const receipts = await Promise.all(receivers.map((receiver) => receiver.receipts(options.type)));
  let last = start;
  let received = 0;
  for (const receipt of receipts) {
    received += receipt.arrivals.length;
    for (const at of receipt.arrivals) if (at > last) last = at;
  }
  const seconds = (last - start) / 1000;
  return { events, expected, received, complete, seconds, perSecond: seconds > 0 ? received / seconds : 0, publishErrors: errorKinds(results), cpuPercent };
}

/** Deliveries per second over several drains together (received over their summed seconds), with their CPU. */
export const pooledDrains = (drains: readonly DrainResult[]) => pooledRate(drains.map((drain) => ({ ...drain, count: drain.received })));

export type EndToEndResult = {
  rate: number;
  seconds: number;
  publishLatencyMs: Summary;
  /** From the intended publish time to the receiver's first receipt. */
  endToEndMs: Summary;
  undelivered: number;
  publishErrors: Record<string, number>;
};

/** Publishes at `rate`/s for `seconds` (open loop) and measures publish-to-receipt latency at `receiver`. */
export async function endToEndLatency(options: {
  client: PublishClient;
  receiver: ReceiverProcess;
  type: string;
  rate: number;
  seconds: number;
  timeoutMs: number;
}): Promise<EndToEndResult> {
  const { client, receiver } = options;
  await receiver.reset();
  const run = await openLoop(options.rate, options.seconds, (index) => client.publish(options.type, index));
  const intended = new Map<string, number>();
  for (const { intendedAt, result } of run.results) if (result.ok) intended.set(result.eventId, intendedAt);
  await pollUntil(async () => (await receiver.received(options.type)) >= intended.size, options.timeoutMs, 50);
  const receipts = await receiver.receipts(options.type);
  const latencies: number[] = [];
  for (let i = 0; i < receipts.eventIds.length; i++) {
    const sentAt = intended.get(receipts.eventIds[i] ?? '');
    if (sentAt !== undefined) latencies.push((receipts.arrivals[i] ?? NaN) - sentAt);
  }
  return {
    rate: options.rate,
    seconds: options.seconds,
    publishLatencyMs: run.latencyMs,
    endToEndMs: summarize(latencies),
    undelivered: intended.size - latencies.length,
    publishErrors: run.errors,
  };
}
