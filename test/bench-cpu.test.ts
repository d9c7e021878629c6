import { describe, expect, it } from 'vitest';
import { machineShares, parseProcStat } from '../bench/lib/cpu.ts';

// The machine meter reads the aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal guest guest_nice.
const BEFORE = 'cpu  1000 10 200 5000 40 0 30 20 0 0\ncpu0 500 5 100 2500 20 0 15 10 0 0\nintr 1 2 3\n';
const AFTER = 'cpu  1600 10 300 5200 40 0 50 50 0 0\ncpu0 800 5 150 2600 20 0 25 25 0 0\nintr 4 5 6\n';

describe('machine CPU shares (bench/lib/cpu.ts)', () => {
  it('reads busy (user, nice, system, irq, softirq), idle, iowait and steal from the aggregate line only', () => {
    expect(parseProcStat(BEFORE)).toEqual({ busy: 1240, idle: 5000, iowait: 40, steal: 20 });
  });

  it('gives each kind as a share of all the ticks that passed between two readings', () => {
    // 720 busy, 200 idle, 0 iowait, 30 steal ticks: 950 in all.
    expect(machineShares(parseProcStat(BEFORE), parseProcStat(AFTER))).toEqual({ busyPercent: 75.8, idlePercent: 21.1, iowaitPercent: 0, stealPercent: 3.2 });
  });

  it('is NaN when no time passed, and refuses a text without the aggregate line', () => {
    expect(machineShares(parseProcStat(BEFORE), parseProcStat(BEFORE)).busyPercent).toBeNaN();
    expect(() => parseProcStat('cpu0 1 2 3 4\n')).toThrow(/aggregate cpu line/);
  });
});
