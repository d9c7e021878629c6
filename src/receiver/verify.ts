/**
 * Verifying an incoming webhook: authentic (HMAC under one of the receiver's secrets), fresh
 * (timestamp within tolerance) and parseable. Web APIs only, so it runs in Node and Deno.
 */
import { hmacSha256, signedContent, timingSafeEqual, toBase64, toHex } from '../signature/index.ts';
import { WebhookVerificationError } from './errors.ts';
import { readSignatureHeaders, type HeaderSource } from './webhook-headers.ts';

/** Default tolerance between the webhook's timestamp and the receiver's clock, either way. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** Input to {@link verifyWebhook}. */
export type VerifyWebhookInput = {
  /** The request headers (`Headers` or a plain record; names are case-insensitive). */
  headers: HeaderSource;
  /** The raw request body exactly as received (verify before parsing or re-serialising). */
  body: string;
  /** The endpoint secret(s), `whsec_<base64>`; several during rotation, any one may match. */
  secrets: string | readonly string[];
  /** Accepted clock difference in seconds, in both directions. Default 300. */
  toleranceSeconds?: number;
  /** The receiver's time in epoch milliseconds. Default `Date.now()`. */
  now?: number;
};

/** A webhook that passed verification. */
export type VerifiedWebhook = {
  /** The webhook id (`webhook-id`); stable across retries and redeliveries, the idempotency key. */
  id: string;
  /** Unix seconds from `webhook-timestamp`. */
  timestamp: number;
  /** The body parsed as JSON. */
  payload: unknown;
  /** The raw body. */
  raw: string;
};

/**
 * Verify a webhook's signature headers and body.
 *
 * The signature is checked before the timestamp, so a timestamp error always means an authentic
 * message that is stale (a replay, a late retry) or from the future (clock skew); anything forged or
 * altered, including its timestamp, is `invalid_signature`. Every candidate signature is compared
 * against every secret's MAC in constant time.
 *
 * @throws WebhookVerificationError with a stable `code` and `httpStatus`.
 * @throws Error when the caller passes no secrets, an invalid secret, or a bad tolerance.
 * @example
 * const event = await verifyWebhook({ headers: request.headers, body: await request.text(), secrets: env.WEBHOOK_SECRET });
 */
export async function verifyWebhook(input: VerifyWebhookInput): Promise<VerifiedWebhook> {
  const { headers, body, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = Date.now() } = input;
  const secrets = typeof input.secrets === 'string' ? [input.secrets] : input.secrets;
  if (secrets.length === 0) throw new Error('verifyWebhook requires at least one secret');
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new Error(`toleranceSeconds must be a non-negative number, got ${toleranceSeconds}`);
  }

  const { scheme, id, timestamp, signatures } = readSignatureHeaders(headers);
  const content = signedContent(id, timestamp, body);
  const encode = scheme === 'standard' ? toBase64 : toHex;
  const expected = (await Promise.all(secrets.map((secret) => hmacSha256(secret, content)))).map(encode);

  let matched = false;
  for (const candidate of signatures) {
    for (const mac of expected) matched = timingSafeEqual(candidate, mac) || matched;
  }
  if (!matched) throw new WebhookVerificationError('invalid_signature', 'No signature matches any secret');

  const nowSeconds = Math.floor(now / 1000);
  if (timestamp < nowSeconds - toleranceSeconds) {
    throw new WebhookVerificationError('timestamp_too_old', 'Webhook timestamp is too old');
  }
  if (timestamp > nowSeconds + toleranceSeconds) {
    throw new WebhookVerificationError('timestamp_too_new', 'Webhook timestamp is too far in the future');
  }

  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch (cause) {
    throw new WebhookVerificationError('invalid_payload', 'Webhook body is not valid JSON', { cause });
  }
  return { id, timestamp, payload, raw: body };
}
