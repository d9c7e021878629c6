/**
 * The functions' storage, behind one small interface with two implementations: direct Postgres
 * (postgres.js, `SUPABASE_DB_URL`) and PostgREST (supabase-js, `SUPABASE_URL` + service role key).
 * A backend, with its database client and its idempotency store, is made once per store setting
 * and reused by later requests: the client's connections are kept warm, and the store remembers the
 * claims it holds (see src/receiver/idempotency.ts).
 */
import type { BreakerStore } from '../../../src/breaker/core.ts';
import type { IdempotencyStore } from '../../../src/receiver/index.ts';
import type { StoreTarget } from './env.ts';
import { createPostgresBackend } from './postgres-backend.ts';
import { createSupabaseBackend } from './supabase-backend.ts';

/** One verified webhook as the logger stores it in `webhook_events`. */
export type StoredEvent = {
  webhookId: string;
  /** The gateway's event id (`id` of the body), when present. */
  eventId: string | null;
  eventType: string | null;
  /** The raw JSON body, stored as `jsonb`. */
  rawPayload: string;
  /** Unix seconds from `webhook-timestamp`. */
  timestamp: number;
};

/** The notifier's outcome for one webhook, upserted into `webhook_notifications`. */
export type NotificationRecord = {
  webhookId: string;
  eventId: string | null;
  eventType: string | null;
  recipient: string | null;
  status: 'sent' | 'failed';
  providerMessageId: string | null;
  error: string | null;
  /** Whether this outcome came from a call to the provider (counted in `attempts`). */
  attempted: boolean;
};

export type ReceiverBackend = {
  idempotency: IdempotencyStore;
  breakerStore: BreakerStore;
  /** Inserts the event; an event already stored under its webhook id is left as it is. */
  saveEvent(event: StoredEvent): Promise<void>;
  /** Inserts or updates the webhook's notification row, adding to its attempt count. */
  recordNotification(record: NotificationRecord): Promise<void>;
};

const backends = new Map<string, ReceiverBackend>();

/** The backend for a store setting, created on first use and cached for later requests. */
export function backendFor(target: StoreTarget): ReceiverBackend {
  const key = JSON.stringify(target);
  let backend = backends.get(key);
  if (backend === undefined) {
    backend = target.kind === 'postgres' ? createPostgresBackend(target.url) : createSupabaseBackend(target.url, target.serviceRoleKey);
    backends.set(key, backend);
  }
  return backend;
}
