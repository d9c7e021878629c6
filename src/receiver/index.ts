/**
 * The receiving side of the webhook scheme: verify, deduplicate, process once.
 *
 * `verifyWebhook` checks the signature headers (Standard Webhooks `webhook-*`, or the `x-webhook-*`
 * mirror when those are absent) against the raw body with the signing primitives of
 * `src/signature`: any `v1` signature under any of the receiver's secrets passes (rotation),
 * compared in constant time; then the timestamp must lie within a tolerance (default 5 min) either
 * way, and the body must be JSON. Failures are `WebhookVerificationError`s with a stable `code` and
 * the HTTP status to answer (400 unusable request, 401 not authentic or not fresh).
 *
 * Idempotency is a claim on the webhook id in `processed_webhooks`, not a "seen" flag: `claim`
 * atomically inserts the id as `processing` with a lease, so of two concurrent copies one runs the
 * handler and the other is told `in_progress` (the middleware answers 409 so the sender retries);
 * `complete` marks it `processed` (later copies are acknowledged as duplicates without running the
 * handler); `release` deletes the claim when the handler fails, so the sender's retry is processed.
 * A holder that crashed leaves a `processing` row whose lease expires, after which a copy may take it
 * over; release is fenced by a per-claim token so a late failure never deletes a newer holder's claim.
 *
 * Everything here except `postgres-store.ts` (postgres.js) and `middleware.ts` (Hono) uses only Web
 * APIs, so it also runs in Deno edge functions.
 */
export { verifyWebhook, DEFAULT_TOLERANCE_SECONDS, type VerifyWebhookInput, type VerifiedWebhook } from './verify.ts';
export { readSignatureHeaders, type HeaderSource, type SignatureHeaders } from './webhook-headers.ts';
export { WebhookVerificationError, type WebhookVerificationErrorCode } from './errors.ts';
export { DEFAULT_LEASE_MS, type ClaimMeta, type ClaimResult, type IdempotencyStore } from './idempotency.ts';
export {
  createMemoryIdempotencyStore,
  type MemoryIdempotencyEntry,
  type MemoryIdempotencyStoreOptions,
} from './memory-store.ts';
export {
  createPostgresIdempotencyStore,
  PROCESSED_WEBHOOKS_DDL,
  type PostgresIdempotencyStoreOptions,
} from './postgres-store.ts';
export { createSupabaseIdempotencyStore, type SupabaseIdempotencyStoreOptions } from './supabase-store.ts';
export {
  webhookReceiver,
  type WebhookReceiverFailure,
  type WebhookReceiverOptions,
} from './middleware.ts';
