import type { Clock } from '../clock.ts';
import { DEFAULT_LEASE_MS, type ClaimResult, type IdempotencyStore } from './idempotency.ts';

/** One webhook id as the memory store holds it. */
export type MemoryIdempotencyEntry =
  | { status: 'processing'; token: string; lockedUntil: number }
  | { status: 'processed'; processedAt: number };

/** Options for {@link createMemoryIdempotencyStore}. */
export type MemoryIdempotencyStoreOptions = {
  /** Claim lease in milliseconds. Default 60 s. */
  leaseMs?: number;
  /** Time source for leases. Default the wall clock. */
  clock?: Clock;
};

/**
 * An in-memory idempotency store for a single process (tests, local development). Same semantics
 * as the Postgres store; nothing survives a restart and nothing is shared between processes.
 */
export function createMemoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore & {
  readonly entries: ReadonlyMap<string, MemoryIdempotencyEntry>;
} {
  const { leaseMs = DEFAULT_LEASE_MS, clock = { now: () => Date.now() } } = options;
  const entries = new Map<string, MemoryIdempotencyEntry>();
  const held = new Map<string, string>();
  return {
    entries,
    async claim(webhookId): Promise<ClaimResult> {
      if (held.has(webhookId)) return 'in_progress';
      const now = clock.now();
      const entry = entries.get(webhookId);
      if (entry?.status === 'processed') return 'duplicate';
      if (entry !== undefined && entry.lockedUntil >= now) return 'in_progress';
      const token = crypto.randomUUID();
      entries.set(webhookId, { status: 'processing', token, lockedUntil: now + leaseMs });
      held.set(webhookId, token);
      return 'claimed';
    },
    async complete(webhookId) {
      held.delete(webhookId);
      if (entries.get(webhookId)?.status !== 'processed') {
        entries.set(webhookId, { status: 'processed', processedAt: clock.now() });
      }
    },
    async release(webhookId) {
      const token = held.get(webhookId);
      held.delete(webhookId);
      const entry = entries.get(webhookId);
      if (token !== undefined && entry?.status === 'processing' && entry.token === token) entries.delete(webhookId);
    },
  };
}
