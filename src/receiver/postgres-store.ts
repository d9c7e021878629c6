import type { Sql } from 'postgres';
import { DEFAULT_LEASE_MS, type ClaimMeta, type ClaimResult, type IdempotencyStore } from './idempotency.ts';

/**
 * The `processed_webhooks` table. One row per webhook id:
 * - `processing`: claimed, `claim_token` identifies the holder, `locked_until` ends its lease;
 * - `processed`: done (`processed_at`), no lease.
 * The check constraint keeps the two shapes apart. Rows can be pruned once `webhook_timestamp` is
 * older than the verifier's tolerance, since such a message is rejected before it reaches the store.
 */
export const PROCESSED_WEBHOOKS_DDL = `
create table if not exists processed_webhooks (
  webhook_id text primary key,
  status text not null check (status in ('processing', 'processed')),
  claim_token text,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  locked_until timestamptz,
  webhook_timestamp timestamptz,
  event_type text,
  constraint processed_webhooks_state check (
    (status = 'processing' and claim_token is not null and locked_until is not null and processed_at is null)
    or (status = 'processed' and processed_at is not null and locked_until is null and claim_token is null)
  )
);
create index if not exists processed_webhooks_received_at_idx on processed_webhooks (received_at);
`;

/** Options for {@link createPostgresIdempotencyStore}. */
export type PostgresIdempotencyStoreOptions = {
  /** A postgres.js client (or transaction-less reserved connection). */
  sql: Sql;
  /** Claim lease in milliseconds. Default 60 s. */
  leaseMs?: number;
};

/** A claim can find its row neither claimable nor visible (deleted, or committed after the statement's snapshot); it is re-run this often. */
const CLAIM_ATTEMPTS = 3;

/**
 * The idempotency store on Postgres through postgres.js. Leases use the database clock (`now()`),
 * so receivers on several hosts agree on when a lease ends.
 *
 * A claim is one statement: insert the id as `processing`, or on conflict take the row over only if
 * it is `processing` with an expired lease; when neither happened, the same statement reads the
 * existing row's status (`duplicate` / `in_progress`).
 */
export function createPostgresIdempotencyStore(options: PostgresIdempotencyStoreOptions): IdempotencyStore {
  const { sql, leaseMs = DEFAULT_LEASE_MS } = options;
  const held = new Map<string, string>();

  async function claimOnce(webhookId: string, token: string, meta: ClaimMeta | undefined): Promise<ClaimResult | undefined> {
    const rows = await sql<{ outcome: ClaimResult }[]>`
      with claimed as (
        insert into processed_webhooks as pw (webhook_id, status, claim_token, locked_until, webhook_timestamp, event_type)
        values (${webhookId}, 'processing', ${token}, now() + ${leaseMs}::float8 * interval '1 millisecond',
          to_timestamp(${meta?.timestamp ?? null}::float8), ${meta?.eventType ?? null})
        on conflict (webhook_id) do update
          set claim_token = excluded.claim_token, locked_until = excluded.locked_until
          where pw.status = 'processing' and pw.locked_until < now()
        returning 'claimed'::text as outcome
      )
      select outcome from claimed
      union all
      select case when pw.status = 'processed' then 'duplicate' else 'in_progress' end
      from processed_webhooks pw
      where pw.webhook_id = ${webhookId} and not exists (select 1 from claimed)`;
    return rows[0]?.outcome;
  }

  return {
    async claim(webhookId, meta) {
      // Never take over a claim this instance still holds: its handler is running here.
      if (held.has(webhookId)) return 'in_progress';
      const token = crypto.randomUUID();
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const outcome = await claimOnce(webhookId, token, meta);
        if (outcome === 'claimed') held.set(webhookId, token);
        if (outcome !== undefined) return outcome;
      }
      // Rows keep appearing and vanishing under us: someone else is working on this id.
      return 'in_progress';
    },

    async complete(webhookId) {
      held.delete(webhookId);
      // Processed is the truth once a handler succeeded, even if the lease was lost meanwhile.
      await sql`
        insert into processed_webhooks as pw (webhook_id, status, processed_at)
        values (${webhookId}, 'processed', now())
        on conflict (webhook_id) do update
          set status = 'processed', processed_at = now(), locked_until = null, claim_token = null
          where pw.status = 'processing'`;
    },

    async release(webhookId) {
      const token = held.get(webhookId);
      if (token === undefined) return;
      held.delete(webhookId);
      await sql`
        delete from processed_webhooks
        where webhook_id = ${webhookId} and status = 'processing' and claim_token = ${token}`;
    },
  };
}
