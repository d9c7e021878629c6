import { sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/index.ts';
import { runSql } from '../db/sql-runner.ts';
import type { DeliveryQueue } from '../publisher/index.ts';

/** Where the scrape-time gauges read from. */
export type SnapshotSources = { db: Db; queue: DeliveryQueue; clock: Clock; breakerOpenForMs: number };

/** Gateway-wide state read at scrape time (the same in every process that reads it). */
export type StateSnapshot = {
  /** Deliveries committed and never attempted yet (the outbox). */
  outboxPending: number;
  /** Deliveries that failed and wait for a scheduled retry. */
  retrying: number;
  openDeadLetters: number;
  breakers: { closed: number; open: number; half_open: number };
  /** Endpoints whose breaker is not closed, open ones first, at most `limit`. */
  notClosed: { endpointId: string; state: 'open' | 'half_open' }[];
};

export type QueueDepth = Record<'wait' | 'active' | 'delayed' | 'prioritized' | 'paused', number>;

const QUEUE_STATES = ['wait', 'active', 'delayed', 'prioritized', 'paused'] as const;

type CountsRow = { outbox_pending: number; retrying: number; dead_letters: number; endpoints: number };
type BreakerRow = { endpoint_id: string; state: 'open' | 'half_open' };

/**
 * Reads the gauges' values from Postgres in two cheap statements: the delivery counts use the
 * partial index on due deliveries (only pending and failed rows), and only non-closed breakers are read.
 */
export async function readState(sources: SnapshotSources, limit: number): Promise<StateSnapshot> {
  const now = new Date(sources.clock.now()).toISOString();
  const [counts] = await runSql<CountsRow>(
    sources.db,
    sql`select
      (select count(*) from deliveries where status = 'pending' and attempt_count = 0 and next_attempt_at is not null)::int as outbox_pending,
      (select count(*) from deliveries where status = 'failed' and next_attempt_at is not null)::int as retrying,
      (select count(*) from webhook_failures where status = 'open')::int as dead_letters,
      (select count(*) from endpoints)::int as endpoints`,
  );
  // An open breaker whose open period has passed admits a trial: report it as half_open, as the API does.
  const breakers = await runSql<BreakerRow>(
    sources.db,
    sql`select cb.endpoint_id::text as endpoint_id,
        case when cb.state = 'open' and cb.opened_at
          + coalesce(ep.breaker_open_for_ms, ${sources.breakerOpenForMs}) * interval '1 millisecond' <= ${now}::timestamptz
        then 'half_open' else cb.state::text end as state
      from circuit_breaker_state cb join endpoints ep on ep.id = cb.endpoint_id
      where cb.state <> 'closed'
      order by cb.endpoint_id`,
  );
  const open = breakers.filter((row) => row.state === 'open');
  const halfOpen = breakers.filter((row) => row.state === 'half_open');
  return {
    outboxPending: counts?.outbox_pending ?? 0,
    retrying: counts?.retrying ?? 0,
    openDeadLetters: counts?.dead_letters ?? 0,
    breakers: { open: open.length, half_open: halfOpen.length, closed: Math.max(0, (counts?.endpoints ?? 0) - breakers.length) },
    notClosed: [...open, ...halfOpen].slice(0, limit).map((row) => ({ endpointId: row.endpoint_id, state: row.state })),
  };
}

/** Jobs in the delivery queue by BullMQ state (one Redis round trip). */
export async function readQueueDepth(queue: DeliveryQueue): Promise<QueueDepth> {
  const counts = await queue.queue.getJobCounts(...QUEUE_STATES);
  return Object.fromEntries(QUEUE_STATES.map((state) => [state, counts[state] ?? 0])) as QueueDepth;
}
