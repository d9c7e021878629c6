import { describe, expect, it } from 'vitest';
import { median, summarize } from '../bench/lib/stats.ts';

describe('bench statistics (bench/lib/stats.ts)', () => {
  it('takes the median of turns: one slow turn of three does not move it', () => {
    expect(median([11.2, 7.3, 7.6])).toBe(7.6);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('gives nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(summarize(values)).toMatchObject({ count: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });
});
