import type { AttemptOutcome } from './attempt-outcome.ts';
import type { NextStep } from './retry-schedule.ts';

/** What the delivery worker reports to metrics (implemented by src/metrics). */
export type DeliveryMetrics = {
  /**
   * An attempt was made and recorded: its endpoint, outcome and next step, and the wall time of the
   * job so far (load, sign, send, record).
   */
  attempted(endpointId: string, outcome: AttemptOutcome, step: NextStep, seconds: number): void;
  /** A job threw (an infrastructure error such as Postgres down); BullMQ retries it. */
  jobFailed(): void;
};
