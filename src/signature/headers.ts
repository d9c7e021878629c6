/**
 * Outgoing delivery headers: Standard Webhooks `webhook-*` plus the
 * `x-webhook-*` mirror for receivers that expect hex `sha256=` signatures.
 */
import { signMessage, type MacFunction, type SignatureInput } from './sign.ts';

/** Input to {@link buildWebhookHeaders}. */
export interface WebhookHeadersInput extends SignatureInput {
  /** Propagated as `x-correlation-id` when given and non-empty. */
  correlationId?: string | undefined;
}

/**
 * Build the signed headers for one delivery attempt.
 *
 * Returns lowercase names: `content-type` (`application/json`), `webhook-id`,
 * `webhook-timestamp`, `webhook-signature`, `x-webhook-id`,
 * `x-webhook-timestamp`, `x-webhook-signature`, and `x-correlation-id` only
 * when `correlationId` is a non-empty string.
 *
 * @throws (rejects) on the same invalid input as `signMessage`.
 */
export async function buildWebhookHeaders(
  input: WebhookHeadersInput,
  mac?: MacFunction,
): Promise<Record<string, string>> {
  const { webhookId, timestamp, body, secrets, correlationId } = input;
  const { webhookSignature, xWebhookSignature } = await signMessage({
    webhookId,
    timestamp,
    body,
    secrets,
  }, mac);
  const ts = String(timestamp);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': webhookId,
    'webhook-timestamp': ts,
    'webhook-signature': webhookSignature,
    'x-webhook-id': webhookId,
    'x-webhook-timestamp': ts,
    'x-webhook-signature': xWebhookSignature,
  };
  if (correlationId !== undefined && correlationId !== '') {
    headers['x-correlation-id'] = correlationId;
  }
  return headers;
}
