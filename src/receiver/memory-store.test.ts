import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { createMemoryIdempotencyStore } from './index.ts';

describe('memory idempotency store', () => {
  it('claims once, then in_progress, then duplicate after complete', async () => {
    const store = createMemoryIdempotencyStore();
    expect(await store.claim('a')).toBe('claimed');
    expect(await store.claim('a')).toBe('in_progress');
    await store.complete('a');
    expect(await store.claim('a')).toBe('duplicate');
  });

  it('release makes the id claimable again; a second release is a no-op', async () => {
    const store = createMemoryIdempotencyStore();
    expect(await store.claim('a')).toBe('claimed');
    await store.release('a');
    expect(store.entries.has('a')).toBe(false);
    await store.release('a');
    expect(await store.claim('a')).toBe('claimed');
  });

  it('never takes over a claim this instance still holds, even past its lease', async () => {
    const clock = manualClock(0);
    const store = createMemoryIdempotencyStore({ leaseMs: 1000, clock });
    expect(await store.claim('a')).toBe('claimed');
    clock.advance(5000);
    expect(await store.claim('a')).toBe('in_progress');
    await store.complete('a');
    expect(await store.claim('a')).toBe('duplicate');
  });
});
