import { createClient } from '@supabase/supabase-js';
import { createSupabaseIdempotencyStore } from '../../../src/receiver/index.ts';
import type { NotificationRecord, ReceiverBackend, StoredEvent } from './backend.ts';
import { check, createSupabaseBreakerStore, num } from './supabase-breaker-store.ts';

/**
 * The functions' storage through supabase-js with the service role key (`SUPABASE_URL` +
 * `SUPABASE_SERVICE_ROLE_KEY`), for deployments that keep to the Data API.
 */
export function createSupabaseBackend(url: string, serviceRoleKey: string): ReceiverBackend {
  const client = createClient(url, serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false } });
  return {
    idempotency: createSupabaseIdempotencyStore({ client }),
    breakerStore: createSupabaseBreakerStore(client),

    async saveEvent(event: StoredEvent) {
      const row = {
        webhook_id: event.webhookId,
        event_id: event.eventId,
        event_type: event.eventType,
        payload: JSON.parse(event.rawPayload) as unknown,
        webhook_timestamp: new Date(event.timestamp * 1000).toISOString(),
      };
      check(await client.from('webhook_events').upsert(row, { onConflict: 'webhook_id', ignoreDuplicates: true }), 'event insert');
    },

    async recordNotification(record: NotificationRecord) {
      // The caller holds the webhook's claim, so no other copy updates this row meanwhile.
      const existing = check(await client.from('webhook_notifications').select('attempts').eq('webhook_id', record.webhookId), 'notification read');
      const previous: unknown = Array.isArray(existing) ? (existing[0] as { attempts?: unknown } | undefined)?.attempts : undefined;
      const now = new Date().toISOString();
      const row = {
        webhook_id: record.webhookId,
        event_id: record.eventId,
        event_type: record.eventType,
        recipient: record.recipient,
        status: record.status,
        provider_message_id: record.providerMessageId,
        error: record.error,
        attempts: num(previous) + (record.attempted ? 1 : 0),
        sent_at: record.status === 'sent' ? now : null,
        updated_at: now,
      };
      check(await client.from('webhook_notifications').upsert(row, { onConflict: 'webhook_id' }), 'notification upsert');
    },
  };
}
