/**
 * CPU used by groups of processes over a phase, from /proc (user + system time), as a percentage
 * of one core: where a phase's CPU went (gateway, Postgres, Redis, the load generator).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpuSeconds } from './environment.ts';
import { nowMs } from './stats.ts';

/** Pids of every process whose command name (`/proc/<pid>/comm`) is `name`, e.g. all of Postgres. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return pids;
}

/**
 * Starts measuring; `stop()` returns each group's CPU as % of one core over the elapsed wall time.
 * A group lists its pids when measuring starts and again when it stops (a process started in
 * between counts from its start). `loadGenerator` (this process) is always included.
 */
export function cpuMeter(groups: Record<string, () => number[]>): { stop(): Record<string, number> } {
  const read = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
  const selfSeconds = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, read(pids())]));
  const selfBefore = selfSeconds();
  const start = nowMs();
  return {
    stop() {
      const wall = (nowMs() - start) / 1000;
      const percent = (seconds: number) => Math.round((seconds / wall) * 1000) / 10;
      const result: Record<string, number> = {};
      for (const [name, pids] of Object.entries(groups)) {
        let used = 0;
        for (const [pid, seconds] of read(pids())) if (Number.isFinite(seconds)) used += seconds - (before[name]?.get(pid) ?? 0);
        result[name] = percent(used);
      }
      result.loadGenerator = percent(selfSeconds() - selfBefore);
      return result;
    },
  };
}
