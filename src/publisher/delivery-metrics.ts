import type { DeliveryJob } from './queue.ts';
import type { JobResult } from './delivery-worker.ts';

/**
 * What the delivery worker reports to metrics (implemented by src/metrics). `result` is undefined
 * when the job threw (an infrastructure error such as Postgres down; BullMQ retries the job).
 */
export type DeliveryMetrics = {
  jobProcessed(result: JobResult | undefined, seconds: number): void;
};

/** Wraps a job processor so each job's result and wall time reach `metrics`; no-op without it. */
export function observeJobs(process: (job: DeliveryJob) => Promise<JobResult>, metrics: DeliveryMetrics | undefined): (job: DeliveryJob) => Promise<JobResult> {
  if (!metrics) return process;
  return async (job) => {
    const started = performance.now();
    let result: JobResult | undefined;
    try {
      result = await process(job);
      return result;
    } finally {
      metrics.jobProcessed(result, (performance.now() - started) / 1000);
    }
  };
}
