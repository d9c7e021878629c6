/** Why a webhook was rejected; stable, safe to show to the sender and to match on. */
export type WebhookVerificationErrorCode =
  | 'missing_header'
  | 'malformed_header'
  | 'invalid_signature'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'invalid_payload';

const HTTP_STATUS: Record<WebhookVerificationErrorCode, 400 | 401> = {
  missing_header: 400,
  malformed_header: 400,
  invalid_payload: 400,
  invalid_signature: 401,
  timestamp_too_old: 401,
  timestamp_too_new: 401,
};

/**
 * A webhook that failed verification. `httpStatus` is what a receiver should answer: 400 when the
 * request is unusable as sent (missing or malformed headers, a body that is not JSON), 401 when it
 * is not authentic or not fresh (signature, timestamp).
 *
 * @example
 * try { await verifyWebhook(input) } catch (e) {
 *   if (e instanceof WebhookVerificationError) return Response.json({ error: { code: e.code } }, { status: e.httpStatus });
 *   throw e;
 * }
 */
export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  readonly httpStatus: 400 | 401;

  constructor(
    readonly code: WebhookVerificationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.httpStatus = HTTP_STATUS[code];
  }
}
