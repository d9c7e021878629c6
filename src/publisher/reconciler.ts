import { sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/index.ts';
import { runSql } from '../db/sql-runner.ts';
import type { Logger } from '../logger.ts';
import { deliveryJobId, type DeliveryJob, type DeliveryQueue } from './queue.ts';

/** Arbitrary constant: the advisory lock that lets one reconciler pass run at a time across processes. */
const RECONCILE_LOCK = 4_207_311_902;

export type Reconciler = {
  /** One pass: enqueue every delivery that is overdue by more than the grace period. Returns how many. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
};

export type ReconcilerOptions = {
  db: Db;
  queue: DeliveryQueue;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  /** How long past due a delivery must be before the reconciler assumes its job is missing. */
  graceMs: number;
  batch: number;
};

/**
 * Repairs the scheduler from the source of truth. Postgres knows every delivery that is due
 * (pending or failed with `next_attempt_at` in the past); Redis may have lost their jobs (flushed,
 * crash between commit and enqueue). Each pass re-adds the oldest overdue ones with their
 * deterministic job ids: where the job is still queued or running, adding is a no-op; a job left
 * half-deleted is removed first. One process at a time runs a
 * pass (advisory lock), so any number of workers can run a reconciler.
 */
export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { db, queue, clock, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function runOnce(): Promise<number> {
    const cutoff = new Date(clock.now() - options.graceMs).toISOString();
    return db.transaction(async (tx) => {
      const [lock] = await runSql<{ locked: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${RECONCILE_LOCK}) as locked`);
      if (!lock?.locked) return 0;
      const due = await runSql<{ id: string; series: number; attempt_count: number; endpoint_id: string }>(
        tx,
        sql`select id, series, attempt_count, endpoint_id from deliveries
            where status in ('pending', 'failed') and next_attempt_at <= ${cutoff}::timestamptz
            order by next_attempt_at limit ${options.batch}`,
      );
      if (due.length === 0) return 0;
      const jobs: DeliveryJob[] = due.map((row) => ({ deliveryId: row.id, series: row.series, attempt: row.attempt_count + 1, endpointId: row.endpoint_id }));
      await removeOrphans(jobs);
      await queue.enqueue(jobs);
      return jobs.length;
    });
  }

  /**
   * A job hash that is in no list (partial key loss, or a retry written while Redis was being
   * flushed) would make re-adding its id a no-op forever. Postgres says these attempts are due, so a
   * job that is not waiting, delayed or running is removed before it is added again.
   */
  async function removeOrphans(jobs: readonly DeliveryJob[]): Promise<void> {
    await Promise.all(
      jobs.map(async (job) => {
        const id = deliveryJobId(job);
        const state = await queue.queue.getJobState(id);
        if (state === 'unknown' || state === 'completed' || state === 'failed') {
          await queue.queue.remove(id).catch((error: unknown) => logger.warn({ err: error, jobId: id }, 'could not remove orphaned job'));
        }
      }),
    );
  }

  function tick(): void {
    running ??= runOnce()
      .catch((error: unknown) => {
        logger.warn({ err: error }, 'reconciler pass failed; retrying next interval');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
  }

  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setInterval(tick, options.intervalMs);
      timer.unref();
      tick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}
