import { startBenchChild } from './child-process.ts';
import { round } from './stats.ts';

/**
 * How long a request arriving at a random instant of the window would have waited for an idle
 * process to be scheduled: p50/p99 weighted by time (a stall of 60 ms delays every arrival within
 * it, by 60 ms down to 0, so it weighs 60 ms, not one sample), the longest stall, the share of the
 * window spent stalled, and how many stalls were longer than 10 ms.
 */
export type Stalls = { windowMs: number; p50: number; p99: number; max: number; stalledShare: number; over10ms: number };

export type StallMeter = {
  pid: number;
  start(): Promise<void>;
  stop(): Promise<Stalls>;
  close(): Promise<void>;
};

/**
 * The delay that the given share of a window's instants would exceed (`share` 0.01: its p99),
 * given the window's stalls: an arrival inside a stall of length g waits for what is left of it.
 * Instants outside every stall wait 0.
 */
export function stallQuantile(gaps: readonly number[], windowMs: number, share: number): number {
  // Time that waits longer than d is the sum of max(0, g - d); find the d where it is share * window.
  const budget = share * windowMs;
  const sorted = Float64Array.from(gaps).sort().reverse();
  let over = 0;
  for (let i = 0; i < sorted.length; i++) {
    const next = sorted[i + 1] ?? 0;
    // Between d = next and d = sorted[i], the i + 1 longest gaps each count (g - d).
    const atNext = over + (sorted[i]! - next) * (i + 1);
    if (atNext >= budget) return sorted[i]! - (budget - over) / (i + 1);
    over = atNext;
  }
  return 0;
}

/** Summarizes a window's stalls (see `Stalls`). */
export function summarizeStalls(gaps: readonly number[], windowMs: number): Stalls {
  let stalled = 0;
  let max = 0;
  let over10ms = 0;
  for (const gap of gaps) {
    stalled += gap;
    if (gap > max) max = gap;
    if (gap > 10) over10ms += 1;
  }
  return {
    windowMs: round(windowMs, 0),
    p50: round(stallQuantile(gaps, windowMs, 0.5), 3),
    p99: round(stallQuantile(gaps, windowMs, 0.01), 3),
    max: round(max, 2),
    stalledShare: windowMs > 0 ? round(stalled / windowMs, 4) : 0,
    over10ms,
  };
}

/** The label of a latency row's limit when it is the stall meter's p99 of the same phase. */
export const STALL_LIMIT_LABEL = 'idle process stall p99';

/** One line on a window's stalls, for the bench's logs. */
export function describeStalls(stalls: Stalls): string {
  return `an idle process woke late: p99 ${stalls.p99.toFixed(1)} ms by time, longest ${stalls.max.toFixed(1)} ms, ${stalls.over10ms} stalls over 10 ms, ${(stalls.stalledShare * 100).toFixed(1)} % of the time`;
}

/** Starts bench/stall-meter.ts in its own process. */
export async function startStallMeter(): Promise<StallMeter> {
  const child = await startBenchChild('bench/stall-meter.ts', 'stall meter');
  return {
    pid: child.pid,
    start: async () => void (await child.call('start')),
    async stop() {
      const { windowMs, gaps } = (await child.call('stop')) as { windowMs: number; gaps: number[] };
      return summarizeStalls(gaps, windowMs);
    },
    close: () => child.stop(),
  };
}
