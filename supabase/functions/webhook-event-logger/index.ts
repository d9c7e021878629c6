/**
 * webhook-event-logger: verifies each webhook from the gateway, deduplicates it by webhook id and
 * stores it once in `webhook_events`.
 *
 * Answers: 200 `{ok: true}` when stored; 200 `{duplicate: true}` for a webhook id already processed;
 * 400/401 `{error: {code, message}}` when verification fails; 409 while another copy is being
 * processed; 500 when the insert fails (the claim is released, so the gateway's retry stores it);
 * 503 when `processed_webhooks` cannot be reached.
 *
 * Env (read per request): WEBHOOK_SECRET (comma-separated during rotation), and SUPABASE_DB_URL or
 * SUPABASE_URL + SUPABASE_SERVICE_ROLE_KEY. Run locally from the repository root with
 * `PORT=8001 WEBHOOK_SECRET=whsec_... SUPABASE_DB_URL=postgres://... deno run -A supabase/functions/webhook-event-logger/index.ts`.
 */
import type { VerifiedWebhook } from '../../../src/receiver/index.ts';
import type { StoredEvent } from '../_shared/backend.ts';
import { eventFields } from '../_shared/payload.ts';
import { createWebhookFunction } from '../_shared/receiver.ts';

/** The `webhook_events` row of a verified webhook. */
function storedEvent(event: VerifiedWebhook): StoredEvent {
  const { eventId, eventType } = eventFields(event.payload);
  return { webhookId: event.id, eventId, eventType, rawPayload: event.raw, timestamp: event.timestamp };
}

const handler = createWebhookFunction({
  name: 'webhook-event-logger',
  readConfig: () => undefined,
  handler: async (event, { backend }) => {
    await backend.saveEvent(storedEvent(event));
    return Response.json({ ok: true, webhookId: event.id });
  },
});

Deno.serve({ port: Number(Deno.env.get('PORT') ?? 8000) }, handler);
