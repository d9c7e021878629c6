/**
 * Sending one email through an HTTP email-provider API: `POST {to, subject, text, from?}` as JSON
 * with `Authorization: Bearer <key>` and `Idempotency-Key: <webhook id>` (so providers that support
 * it drop a second send of the same webhook), answered with JSON `{id}`. Returns a value, never
 * throws, in the shape `breakerOutcome` (src/breaker) classifies.
 */
import { parseRetryAfter } from '../../../src/publisher/retry-schedule.ts';
import type { EmailEnv } from './env.ts';

export type EmailMessage = { to: string; subject: string; text: string };

export type SendResult =
  | { ok: true; status: number; messageId: string | null }
  | {
      ok: false;
      reason: 'timeout' | 'network_error' | 'http_status';
      status?: number;
      error: string;
      /** From the provider's `Retry-After` (seconds or HTTP date), in milliseconds. */
      retryAfterMs?: number;
    };

const BODY_LIMIT = 2_048;


function messageIdOf(body: string): string | null {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && (typeof parsed.id === 'string' || typeof parsed.id === 'number')) {
      return String(parsed.id);
    }
  } catch {
    // A 2xx without a JSON id still means sent.
  }
  return null;
}

/**
 * Sends `message` within `settings.timeoutMs` (the whole exchange, body included).
 *
 * @example
 * const result = await sendEmail(readEmailEnv(denoEnv), { to, subject, text }, webhook.id);
 * if (result.ok) console.log(result.messageId);
 */
export async function sendEmail(
  settings: Pick<EmailEnv, 'apiUrl' | 'apiKey' | 'from' | 'timeoutMs'>,
  message: EmailMessage,
  idempotencyKey: string,
  fetchFn: typeof fetch = fetch,
): Promise<SendResult> {
  const body = JSON.stringify(settings.from === undefined ? message : { ...message, from: settings.from });
  try {
    const response = await fetchFn(settings.apiUrl, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${settings.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    const text = (await response.text()).slice(0, BODY_LIMIT);
    if (response.ok) return { ok: true, status: response.status, messageId: messageIdOf(text) };
    const after = parseRetryAfter(response.headers.get('retry-after') ?? undefined, Date.now());
    return {
      ok: false,
      reason: 'http_status',
      status: response.status,
      error: `provider answered ${response.status}${text === '' ? '' : `: ${text.slice(0, 200)}`}`,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    };
  } catch (error) {
    const timedOut = error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return timedOut
      ? { ok: false, reason: 'timeout', error: `provider did not answer within ${settings.timeoutMs} ms` }
      : { ok: false, reason: 'network_error', error: `provider unreachable: ${error instanceof Error ? error.message : String(error)}` };
  }
}
