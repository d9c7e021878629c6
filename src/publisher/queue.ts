import { Queue, type JobsOptions } from 'bullmq';
import { ExponentialBackoff, handleAll, noJitterGenerator, retry } from 'cockatiel';
import type { Redis } from 'ioredis';

export const DELIVERY_QUEUE = 'deliveries';

/**
 * What a delivery job carries: which attempt of which series of which delivery to make, and the
 * endpoint it goes to when the producer knows it (so the worker can defer a job for a slow
 * endpoint without reading Postgres first). Postgres decides everything else when the job runs.
 */
export type DeliveryJob = { deliveryId: string; series: number; attempt: number; endpointId?: string | undefined };

export type DeliveryQueue = {
  /**
   * Adds jobs; a job whose id is already in Redis is left as it is, so adding twice is harmless.
   * A delay counts from `from` (default: now), so a retry falls due at the instant Postgres records.
   */
  enqueue(jobs: readonly DeliveryJob[], delayMs?: number, from?: number): Promise<void>;
  readonly queue: Queue<DeliveryJob>;
  close(): Promise<void>;
};

/**
 * Deterministic job id: one per attempt of a series. Redis may hold it at most once, so a
 * publisher, a LISTEN dispatcher and the reconciler can all enqueue the same attempt safely.
 */
export function deliveryJobId(job: DeliveryJob): string {
  return `${job.deliveryId}_${job.series}_${job.attempt}`;
}

const JOB_OPTIONS: JobsOptions = {
  // Finished jobs are removed so the reconciler can re-add a job id if Postgres still says it is due.
  removeOnComplete: true,
  removeOnFail: true,
  // Retries of the job itself are only for infrastructure errors (Postgres down); delivery
  // failures are results, scheduled as new jobs by the worker.
  attempts: 6,
  backoff: { type: 'exponential', delay: 1_000 },
};

/** A delivery job as BullMQ adds it: its deterministic id, and its delay counted from `from`. */
export function bullJob(data: DeliveryJob, delayMs = 0, from?: number): { name: 'deliver'; data: DeliveryJob; opts: JobsOptions } {
  return {
    name: 'deliver',
    data,
    opts: {
      ...JOB_OPTIONS,
      jobId: deliveryJobId(data),
      delay: delayMs > 0 ? delayMs : undefined,
      // BullMQ orders delayed jobs by timestamp + delay.
      timestamp: delayMs > 0 ? from : undefined,
    },
  };
}

/** Jobs sent to Redis at once; a larger batch is sent in turns of this many. */
const CHUNK = 500;

/** Batches at least this large are queued with `addBulk` (one MULTI), smaller ones job by job. */
const BULK_FROM = 16;

/**
 * A Redis blip (a reconnect, a failover, a full socket) is retried in place: 3 tries, 50 and 100 ms apart,
 * so the deliveries go out now instead of after the reconciler's grace period. A longer outage is
 * left to the reconciler, and the caller is not held up for long (the connection fails fast).
 * Adding again is safe: a job id already in Redis is left as it is.
 */
const transient = retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 400, generator: noJitterGenerator }) });

/**
 * Creates the BullMQ queue of delivery jobs. `connection` should fail fast when Redis is down
 * (`enableOfflineQueue: false`) so callers never hang; Postgres keeps the truth and the reconciler repairs.
 */
export function createDeliveryQueue({ connection, prefix }: { connection: Redis; prefix: string }): DeliveryQueue {
  const queue = new Queue<DeliveryJob>(DELIVERY_QUEUE, { connection, prefix });
  return {
    queue,
    async enqueue(jobs, delayMs = 0, from) {
      for (let start = 0; start < jobs.length; start += CHUNK) {
        const chunk = jobs.slice(start, start + CHUNK).map((data) => bullJob(data, delayMs, from));
        // A few jobs go as one `add` each: `addBulk` wraps them in a MULTI, for which ioredis builds a
        // pipeline that copies BullMQ's ~50 scripts onto itself. For a single job (a retry, a publish
        // at a low rate) that cost 30-40 % more client CPU in four runs of `bench/enqueue.ts`; from
        // 10-20 jobs on the two are within its noise, and a MULTI is one socket write. Nothing needs a
        // batch to be atomic: a job id is one attempt, and the reconciler completes a batch that
        // Redis dropped half-way.
        await transient.execute(async () => {
          if (chunk.length < BULK_FROM) await Promise.all(chunk.map((job) => queue.add(job.name, job.data, job.opts)));
          else await queue.addBulk(chunk);
        });
      }
    },
    async close() {
      // A queue closed while it is still starting up (checking the Redis version) would leave that
      // check to fail on the closed connection as an unhandled rejection: let it finish first.
      await queue.waitUntilReady().catch(() => undefined);
      await queue.close();
    },
  };
}
