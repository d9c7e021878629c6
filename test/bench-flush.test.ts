import { describe, expect, it } from 'vitest';
import { describeFlushes, summarizeFlushes } from '../bench/lib/flush-process.ts';

// The flush meter's numbers: a flush's duration is also a stall of every durable commit inside it,
// so the commit wait is weighted by time, as the stall meter's.
describe('flush summary (bench/lib/flush-process.ts)', () => {
  it('gives the median and longest flush, flushes over 10 ms and the commit wait p99 by time', () => {
    // 49 fast flushes and one of 400 ms in a 10 s window: 100 ms of instants (1 %) wait longer than 300 ms.
    const flushes = [...Array.from({ length: 49 }, () => 0.5), 400];
    expect(summarizeFlushes(flushes, 10_000, '/var/lib/postgresql')).toEqual({
      windowMs: 10_000,
      count: 50,
      p50: 0.5,
      waitP99: 300,
      max: 400,
      over10ms: 1,
      directory: '/var/lib/postgresql',
    });
  });

  it('is all zeros for a window without flushes', () => {
    expect(summarizeFlushes([], 500, '/tmp')).toMatchObject({ count: 0, p50: 0, waitP99: 0, max: 0, over10ms: 0 });
  });

  it('describes a window in one line', () => {
    expect(describeFlushes(summarizeFlushes([0.4, 0.6, 25], 1_000, '/tmp'))).toBe(
      'the disk flushed 8 kB in 0.60 ms at the median, longest 25.0 ms, 1 of 3 over 10 ms (commit wait p99 by time 15.0 ms)',
    );
  });
});
