/**
 * webhook-external-notifier: verifies each webhook from the gateway, deduplicates it by webhook id,
 * and sends one email per webhook through an HTTP email provider, guarded by a circuit breaker
 * (src/breaker/core.ts, the gateway's own state machine, persisted in `edge_circuit_breakers` and
 * shared by every instance of the function). The outcome is kept in `webhook_notifications`.
 *
 * Answers:
 * - 200 `{ok: true, status: 'sent', providerMessageId}` once the provider accepted the email;
 *   200 `{duplicate: true}` for a webhook already notified; 400/401 when verification fails.
 * - 503 with `Retry-After` while the breaker is open (no provider call is made) or when the
 *   provider failed (timeout, unreachable, 5xx, 429, 408): the claim is released, so the gateway's
 *   retry sends it. The hint is the breaker's remaining open time, or the provider's `Retry-After`,
 *   at least 1 s and at most one open period; the gateway waits the longer of it and its schedule.
 * - 422 when the provider rejected the email (another 4xx: bad address, bad key) or there is no
 *   recipient: retrying cannot help, so the gateway dead-letters it, and an admin can redeliver it
 *   after fixing the cause (the claim is released, so the redelivery is processed).
 * Every provider call counts in the row's `attempts`; a breaker rejection makes no call and no row.
 *
 * Env (read per request): WEBHOOK_SECRET, SUPABASE_DB_URL or SUPABASE_URL +
 * SUPABASE_SERVICE_ROLE_KEY, EMAIL_API_URL, EMAIL_API_KEY, EMAIL_FROM (optional), EMAIL_TO
 * (optional; else the payload's `data.email`), EMAIL_TIMEOUT_MS (10000), BREAKER_FAILURES (5),
 * BREAKER_OPEN_FOR_MS (60000), BREAKER_SUCCESSES (2).
 */
import { breakerOutcome, createBreaker, type BreakerConfig, type Transition } from '../../../src/breaker/core.ts';
import type { VerifiedWebhook } from '../../../src/receiver/index.ts';
import type { NotificationRecord } from '../_shared/backend.ts';
import { sendEmail, type EmailMessage } from '../_shared/email.ts';
import { readBreakerConfig, readEmailEnv, type EmailEnv, type EnvReader } from '../_shared/env.ts';
import { errorResponse, retryAfterHeader } from '../_shared/http.ts';
import { eventFields } from '../_shared/payload.ts';
import { createWebhookFunction, type WebhookContext } from '../_shared/receiver.ts';

type NotifierConfig = { email: EmailEnv; breaker: BreakerConfig };

/** How long a half-open trial may hold the slot beyond its provider call's timeout. */
const TRIAL_MARGIN_MS = 5_000;

function readConfig(env: EnvReader): NotifierConfig {
  const email = readEmailEnv(env);
  return { email, breaker: readBreakerConfig(env, email.timeoutMs + TRIAL_MARGIN_MS) };
}

/** One breaker per provider origin: every function instance calling it shares the row. */
const breakerKey = (apiUrl: string): string => `email:${new URL(apiUrl).origin}`;

function composeEmail(event: VerifiedWebhook, fixedRecipient: string | undefined): EmailMessage | undefined {
  const { eventId, eventType, data } = eventFields(event.payload);
  const fromPayload = typeof data === 'object' && data !== null && 'email' in data && typeof data.email === 'string' ? data.email : undefined;
  const to = fixedRecipient ?? fromPayload;
  if (to === undefined || to.trim() === '') return undefined;
  return {
    to,
    subject: `[${eventType ?? 'webhook'}] ${eventId ?? event.id}`,
    text: `Event ${eventType ?? '(untyped)'} ${eventId ?? ''} (webhook ${event.id})\n\n${JSON.stringify(data, null, 2)}`,
  };
}

async function notify(event: VerifiedWebhook, { backend, config }: WebhookContext<NotifierConfig>): Promise<Response> {
  const { eventId, eventType } = eventFields(event.payload);
  const message = composeEmail(event, config.email.to);
  const record = (fields: Pick<NotificationRecord, 'status' | 'providerMessageId' | 'error' | 'attempted'>) =>
    backend.recordNotification({ webhookId: event.id, eventId, eventType, recipient: message?.to ?? null, ...fields });

  if (message === undefined) {
    await record({ status: 'failed', providerMessageId: null, error: 'no recipient', attempted: false });
    return errorResponse(422, 'no_recipient', 'No recipient: set EMAIL_TO or send data.email');
  }

  const breaker = createBreaker({ store: backend.breakerStore, clock: { now: () => Date.now() }, newId: () => crypto.randomUUID() });
  const key = breakerKey(config.email.apiUrl);
  const ticket = await breaker.admit(key, config.breaker);
  if (!ticket.allowed) {
    return errorResponse(503, 'circuit_open', 'The email provider is unavailable; retry later',
      retryAfterHeader(ticket.retryAt - Date.now(), config.breaker.openForMs));
  }

  const result = await sendEmail(config.email, message, event.id);
  const outcome = breakerOutcome(result);
  if (result.ok) {
    // The email is out: a bookkeeping failure must not make the gateway send it again.
    try {
      await breaker.record(key, config.breaker, ticket, outcome);
      await record({ status: 'sent', providerMessageId: result.messageId, error: null, attempted: true });
    } catch (error) {
      console.error(JSON.stringify({ level: 'error', function: 'webhook-external-notifier', phase: 'record_sent', webhookId: event.id, error: String(error) }));
    }
    return Response.json({ ok: true, status: 'sent', providerMessageId: result.messageId });
  }

  const transitions: Transition[] = await breaker.record(key, config.breaker, ticket, outcome);
  await record({ status: 'failed', providerMessageId: null, error: result.error, attempted: true });
  if (outcome === 'success') {
    return errorResponse(422, 'provider_rejected', `The email provider rejected the email (${result.status ?? 'no status'})`);
  }
  const opened = transitions.some((t) => t.to === 'open');
  const delayMs = opened ? config.breaker.openForMs : (result.retryAfterMs ?? 0);
  return errorResponse(503, 'provider_unavailable', 'The email provider failed; retry later', retryAfterHeader(delayMs, config.breaker.openForMs));
}

const handler = createWebhookFunction({ name: 'webhook-external-notifier', readConfig, handler: notify });

Deno.serve({ port: Number(Deno.env.get('PORT') ?? 8000) }, handler);
