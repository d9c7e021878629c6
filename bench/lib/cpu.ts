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

/** The machine's CPU time by kind, in clock ticks summed over all cores (the `cpu` line of /proc/stat). */
export type CpuTimes = { busy: number; idle: number; iowait: number; steal: number };

/** Parses the aggregate `cpu` line of /proc/stat (user nice system idle iowait irq softirq steal ...). */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n').find((row) => row.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no aggregate cpu line');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq, idle, iowait, steal };
}

/** What the machine's cores did over a phase, as % of all of them: busy (any process or the kernel), idle, waiting on I/O, taken by the host (steal). */
export type MachineShares = { busyPercent: number; idlePercent: number; iowaitPercent: number; stealPercent: number };

/** The shares between two readings of /proc/stat. */
export function machineShares(before: CpuTimes, after: CpuTimes): MachineShares {
  const delta = { busy: after.busy - before.busy, idle: after.idle - before.idle, iowait: after.iowait - before.iowait, steal: after.steal - before.steal };
  const total = delta.busy + delta.idle + delta.iowait + delta.steal;
  const percent = (ticks: number) => (total > 0 ? Math.round((ticks / total) * 1000) / 10 : NaN);
  return { busyPercent: percent(delta.busy), idlePercent: percent(delta.idle), iowaitPercent: percent(delta.iowait), stealPercent: percent(delta.steal) };
}

/**
 * Starts measuring the whole machine; `stop()` returns how busy its cores were meanwhile. Beside a
 * latency it tells contention (cores near 100 % busy: requests queue for a core) from the host
 * (steal) and from the disk (iowait).
 */
export function machineMeter(): { stop(): MachineShares } {
  const read = () => parseProcStat(readFileSync('/proc/stat', 'utf8'));
  const before = read();
  return { stop: () => machineShares(before, read()) };
}

/** The label of a phase's steal share where the table shows it beside the cores' busy share. */
export const STOLEN_LABEL = 'stolen by the host';

/** One line on a phase's machine shares, for the bench's logs. */
export function describeMachine(shares: MachineShares): string {
  return `cores ${shares.busyPercent} % busy (steal ${shares.stealPercent} %, iowait ${shares.iowaitPercent} %)`;
}
