/**
 * The idempotency contract shared by every `processed_webhooks` store (Postgres, Supabase, memory).
 */

/** Outcome of {@link IdempotencyStore.claim}. */
export type ClaimResult =
  /** This caller now holds the webhook id and must `complete` or `release` it. */
  | 'claimed'
  /** Already processed: acknowledge without processing again. */
  | 'duplicate'
  /** Another copy holds a live claim: answer so the sender retries later. */
  | 'in_progress';

/** Optional facts about the webhook, stored with the claim for inspection and pruning. */
export type ClaimMeta = {
  /** The webhook's unix timestamp in seconds. */
  timestamp?: number;
  /** The event type, when the payload names one. */
  eventType?: string;
};

/** How long a claim holds before a crashed holder's webhook becomes claimable again. */
export const DEFAULT_LEASE_MS = 60_000;

/**
 * Records which webhook ids have been processed, so each is processed once.
 *
 * - `claim` atomically inserts the id as `processing` with a lease (`locked_until`), or takes over a
 *   `processing` row whose lease has expired; of any number of concurrent claims exactly one wins.
 * - `complete` marks the id `processed`; later claims answer `duplicate`.
 * - `release` deletes the caller's own `processing` claim (the handler failed), so the sender's
 *   retry is processed. It never deletes a processed row nor a claim since taken over by another
 *   copy after the lease ran out: each claim carries a token that the claiming store instance
 *   remembers until `complete`/`release`, and an instance never takes over a claim it still holds
 *   (a takeover is always by another instance: another process, or a fresh one after a crash).
 */
export type IdempotencyStore = {
  claim(webhookId: string, meta?: ClaimMeta): Promise<ClaimResult>;
  complete(webhookId: string): Promise<void>;
  release(webhookId: string): Promise<void>;
};
