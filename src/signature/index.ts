/**
 * Webhook signing scheme (Standard Webhooks).
 *
 * One implementation shared by the gateway (sender) and receiver-side
 * verification, which must also run in Deno; it therefore uses only Web APIs
 * (`crypto.subtle`, `crypto.getRandomValues`, `TextEncoder`, `atob`/`btoa`) and
 * never `node:` modules or Buffer. The signed content is
 * `${webhookId}.${timestamp}.${rawBody}` with the timestamp in unix seconds,
 * MAC'd with HMAC-SHA256 under the base64-decoded part of a `whsec_` secret.
 * Each secret yields one signature, so during rotation the message carries
 * several (newest first) and a receiver holding any one of them verifies.
 * Signatures are emitted twice: `webhook-signature` (`v1,<base64>`, the
 * standard) and `x-webhook-signature` (`sha256=<hex>`), over the same MACs.
 * Imported CryptoKeys are cached (bounded, LRU) since signing is on the
 * delivery hot path.
 */
export {
  generateSecret,
  decodeSecret,
  SECRET_PREFIX,
  SECRET_KEY_BYTES,
  MIN_SECRET_KEY_BYTES,
} from './secret.ts';
export { hmacSha256, toBase64, toHex, timingSafeEqual, KEY_CACHE_MAX_ENTRIES } from './hmac.ts';
export { signMessage, signedContent } from './sign.ts';
export type { MacFunction, SignatureInput, SignedMessage } from './sign.ts';
export { buildWebhookHeaders } from './headers.ts';
export type { WebhookHeadersInput } from './headers.ts';
