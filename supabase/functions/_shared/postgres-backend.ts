import postgres from 'postgres';
import { createPostgresIdempotencyStore } from '../../../src/receiver/index.ts';
import type { NotificationRecord, ReceiverBackend, StoredEvent } from './backend.ts';
import { createPostgresBreakerStore } from './postgres-breaker-store.ts';

/**
 * The functions' storage over a direct Postgres connection (`SUPABASE_DB_URL`) with postgres.js.
 * Prepared statements are off because Supabase's transaction-mode pooler does not support them.
 */
export function createPostgresBackend(url: string): ReceiverBackend {
  const sql = postgres(url, { max: 5, idle_timeout: 30, connect_timeout: 10, prepare: false, onnotice: () => {} });
  return {
    idempotency: createPostgresIdempotencyStore({ sql }),
    breakerStore: createPostgresBreakerStore(sql),

    async saveEvent(event: StoredEvent) {
      // Bound as text: postgres.js would JSON-encode a string bound to a jsonb parameter a second time.
      await sql`
        insert into webhook_events (webhook_id, event_id, event_type, payload, webhook_timestamp)
        values (${event.webhookId}, ${event.eventId}, ${event.eventType}, ${event.rawPayload}::text::jsonb,
          to_timestamp(${event.timestamp}::float8))
        on conflict (webhook_id) do nothing`;
    },

    async recordNotification(record: NotificationRecord) {
      await sql`
        insert into webhook_notifications as n (webhook_id, event_id, event_type, recipient, status,
          provider_message_id, error, attempts, sent_at)
        values (${record.webhookId}, ${record.eventId}, ${record.eventType}, ${record.recipient}, ${record.status},
          ${record.providerMessageId}, ${record.error}, ${record.attempted ? 1 : 0}::int,
          case when ${record.status} = 'sent' then now() end)
        on conflict (webhook_id) do update set event_id = excluded.event_id, event_type = excluded.event_type,
          recipient = excluded.recipient, status = excluded.status, provider_message_id = excluded.provider_message_id,
          error = excluded.error, attempts = n.attempts + excluded.attempts, sent_at = excluded.sent_at, updated_at = now()`;
    },
  };
}
