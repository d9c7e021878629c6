import { describe, expect, it } from 'vitest';
import { stallQuantile, summarizeStalls } from '../bench/lib/stall-process.ts';

// The stall meter's numbers are weighted by time: a request arriving inside a stall waits for what
// is left of it, so one long stall weighs as much as the instants it covers.
describe('stall quantiles (bench/lib/stall-process.ts)', () => {
  it('is 0 without stalls, and when stalls cover less time than the share asked for', () => {
    expect(stallQuantile([], 1_000, 0.01)).toBe(0);
    expect(stallQuantile([60], 1_000, 0.5)).toBe(0);
  });

  it('gives the delay that exactly the asked share of the window exceeds', () => {
    // One 60 ms stall in 1 s: 10 ms of instants (1 %) wait longer than 50 ms.
    expect(stallQuantile([60], 1_000, 0.01)).toBeCloseTo(50, 9);
    // 30 and 10 ms in 100 ms: 10 ms of instants wait longer than 20 ms (both inside the 30 ms stall)...
    expect(stallQuantile([10, 30], 100, 0.1)).toBeCloseTo(20, 9);
    // ...and 30 ms wait longer than 5 ms: 25 in the first stall, 5 in the second.
    expect(stallQuantile([10, 30], 100, 0.3)).toBeCloseTo(5, 9);
  });

  it('summarizes a window: p99 by time, longest stall, share stalled, stalls over 10 ms', () => {
    expect(summarizeStalls([0.1, 0.2, 60, 12, 0.1], 1_000)).toEqual({
      windowMs: 1_000,
      p50: 0,
      p99: 50,
      max: 60,
      stalledShare: 0.0724,
      over10ms: 2,
    });
  });
});
