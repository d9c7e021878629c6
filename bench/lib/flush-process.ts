import { accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Sql } from 'postgres';
import { startBenchChild } from './child-process.ts';
import { median, round } from './stats.ts';
import { stallQuantile } from './stall-process.ts';

/**
 * A window's disk flushes (8 kB written, then `fdatasync`): their median and longest, and the wait
 * that 1 % of the window's instants would see for the flush in progress (weighted by time, as the
 * stall meter's: a 400 ms flush delays every commit that falls inside it). `directory` is where the
 * probe file was.
 */
export type Flushes = { windowMs: number; count: number; p50: number; waitP99: number; max: number; over10ms: number; directory: string };

export type FlushMeter = {
  pid: number;
  directory: string;
  start(): Promise<void>;
  stop(): Promise<Flushes>;
  close(): Promise<void>;
};

/** Summarizes a window's flush durations (see `Flushes`). */
export function summarizeFlushes(flushes: readonly number[], windowMs: number, directory: string): Flushes {
  return {
    windowMs: round(windowMs, 0),
    count: flushes.length,
    p50: round(flushes.length > 0 ? median(flushes) : 0, 3),
    waitP99: round(stallQuantile(flushes, windowMs, 0.01), 3),
    max: round(Math.max(0, ...flushes), 2),
    over10ms: flushes.filter((flush) => flush > 10).length,
    directory,
  };
}

/** The label of the disk's row's limit: the longest flush of the phase. */
export const FLUSH_LIMIT_LABEL = 'longest flush';

/** One line on a window's flushes, for the bench's logs. */
export function describeFlushes(flushes: Flushes): string {
  return `the disk flushed 8 kB in ${flushes.p50.toFixed(2)} ms at the median, longest ${flushes.max.toFixed(1)} ms, ${flushes.over10ms} of ${flushes.count} over 10 ms (commit wait p99 by time ${flushes.waitP99.toFixed(1)} ms)`;
}

/**
 * Where the probe file goes: `BENCH_FLUSH_DIR`, else the directory above Postgres' data directory
 * (its disk, when the server is local and that directory is writable; set BENCH_FLUSH_DIR where
 * pg_wal is a link to another disk), else the system's temporary directory.
 */
export async function flushDirectory(sql: Sql): Promise<string> {
  if (process.env.BENCH_FLUSH_DIR) return process.env.BENCH_FLUSH_DIR;
  try {
    const [row] = await sql<{ data_directory: string }[]>`show data_directory`;
    const directory = dirname(row!.data_directory);
    accessSync(directory, constants.W_OK);
    return directory;
  } catch {
    // Not a superuser, a remote server, or not writable from here.
    return tmpdir();
  }
}

/** Starts bench/flush-meter.ts in its own process, probing a file in `directory`. */
export async function startFlushMeter(directory: string): Promise<FlushMeter> {
  const file = join(directory, `.bench-flush-probe-${process.pid}-${Date.now()}`);
  const child = await startBenchChild('bench/flush-meter.ts', 'flush meter', { BENCH_FLUSH_FILE: file });
  return {
    pid: child.pid,
    directory,
    start: async () => void (await child.call('start')),
    async stop() {
      const { windowMs, flushes } = (await child.call('stop')) as { windowMs: number; flushes: number[] };
      return summarizeFlushes(flushes, windowMs, directory);
    },
    close: () => child.stop(),
  };
}
