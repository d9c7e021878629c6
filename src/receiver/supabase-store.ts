import type { SupabaseClient } from '@supabase/supabase-js';
import type { Clock } from '../clock.ts';
import { DEFAULT_LEASE_MS, type ClaimResult, type IdempotencyStore } from './idempotency.ts';

const TABLE = 'processed_webhooks';

/** Options for {@link createSupabaseIdempotencyStore}. */
export type SupabaseIdempotencyStoreOptions = {
  /** A supabase-js client whose key may insert, update, select and delete `processed_webhooks`. */
  client: SupabaseClient;
  /** Claim lease in milliseconds. Default 60 s. */
  leaseMs?: number;
  /** Time source for leases. Default the wall clock. */
  clock?: Clock;
};

/** Claim steps are re-run this often when the row vanishes between them (released meanwhile). */
const CLAIM_ATTEMPTS = 3;

type PostgrestResult = { data: unknown; error: { message: string } | null };

function rowsOf(result: PostgrestResult, operation: string): unknown[] {
  if (result.error !== null) {
    throw new Error(`${TABLE} ${operation} failed: ${result.error.message}`, { cause: result.error });
  }
  return Array.isArray(result.data) ? result.data : [];
}

/**
 * The idempotency store over PostgREST with supabase-js, for edge functions (Web APIs only).
 * Each step of a claim is one atomic PostgREST call:
 * 1. insert-if-absent: `upsert(..., { onConflict: 'webhook_id', ignoreDuplicates: true })` returns
 *    the row only if this call inserted it;
 * 2. take over an expired lease: `update` filtered on `status = processing` and
 *    `locked_until < now`, returning the row only if this call changed it;
 * 3. otherwise read the row's status (`duplicate` / `in_progress`).
 * Leases use this process's clock (PostgREST cannot send `now()`), so receivers sharing the table
 * need roughly synchronised clocks.
 */
export function createSupabaseIdempotencyStore(options: SupabaseIdempotencyStoreOptions): IdempotencyStore {
  const { client, leaseMs = DEFAULT_LEASE_MS, clock = { now: () => Date.now() } } = options;
  const held = new Map<string, string>();
  const iso = (ms: number): string => new Date(ms).toISOString();

  async function claimOnce(webhookId: string, token: string, row: Record<string, string | number>): Promise<ClaimResult | undefined> {
    const now = clock.now();
    const lease = { claim_token: token, locked_until: iso(now + leaseMs) };

    const inserted = await client
      .from(TABLE)
      .upsert({ ...row, status: 'processing', ...lease }, { onConflict: 'webhook_id', ignoreDuplicates: true })
      .select('webhook_id');
    if (rowsOf(inserted, 'claim').length > 0) return 'claimed';

    const takenOver = await client
      .from(TABLE)
      .update(lease)
      .eq('webhook_id', webhookId)
      .eq('status', 'processing')
      .lt('locked_until', iso(now))
      .select('webhook_id');
    if (rowsOf(takenOver, 'claim takeover').length > 0) return 'claimed';

    const existing = await client.from(TABLE).select('status').eq('webhook_id', webhookId);
    const status: unknown = (rowsOf(existing, 'claim read')[0] as { status?: unknown } | undefined)?.status;
    if (status === 'processed') return 'duplicate';
    if (status === 'processing') return 'in_progress';
    return undefined;
  }

  return {
    async claim(webhookId, meta) {
      // Never take over a claim this instance still holds: its handler is running here.
      if (held.has(webhookId)) return 'in_progress';
      const token = crypto.randomUUID();
      const row: Record<string, string | number> = { webhook_id: webhookId };
      if (meta?.timestamp !== undefined) row.webhook_timestamp = iso(meta.timestamp * 1000);
      if (meta?.eventType !== undefined) row.event_type = meta.eventType;
      for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
        const outcome = await claimOnce(webhookId, token, row);
        if (outcome === 'claimed') held.set(webhookId, token);
        if (outcome !== undefined) return outcome;
      }
      return 'in_progress';
    },

    async complete(webhookId) {
      held.delete(webhookId);
      // Insert or overwrite as processed: once a handler succeeded that is the truth.
      const result = await client
        .from(TABLE)
        .upsert(
          { webhook_id: webhookId, status: 'processed', processed_at: iso(clock.now()), locked_until: null, claim_token: null },
          { onConflict: 'webhook_id' },
        );
      rowsOf(result, 'complete');
    },

    async release(webhookId) {
      const token = held.get(webhookId);
      if (token === undefined) return;
      held.delete(webhookId);
      const result = await client
        .from(TABLE)
        .delete()
        .eq('webhook_id', webhookId)
        .eq('status', 'processing')
        .eq('claim_token', token);
      rowsOf(result, 'release');
    },
  };
}
