/**
 * What the machine did beside a timed phase, from three meters: how late an idle process woke
 * (the CPU's share of a latency), how long the disk took to flush a write (the disk's share), and
 * how busy the cores were (busy, steal, iowait).
 */
import type { Sql } from 'postgres';
import { describeMachine, machineMeter, type MachineShares } from './cpu.ts';
import { describeFlushes, flushDirectory, startFlushMeter, type Flushes } from './flush-process.ts';
import { describeStalls, startStallMeter, type Stalls } from './stall-process.ts';

export type PhaseReadings = { stalls: Stalls; flushes: Flushes; machine: MachineShares };

export type PhaseMeters = {
  /** Starts a window on all three (fire and forget from inside a load loop: `void meters.begin().catch(() => {})`; `end()` reports a meter that is gone). */
  begin(): Promise<void>;
  /** Ends the window and returns the three readings. */
  end(): Promise<PhaseReadings>;
  close(): Promise<void>;
};

/** Starts the stall and flush meters' processes; the flush probe goes on the disk of `sql`'s Postgres (see `flushDirectory`). */
export async function startPhaseMeters(sql: Sql): Promise<PhaseMeters> {
  const stallMeter = await startStallMeter();
  const flushMeter = await startFlushMeter(await flushDirectory(sql)).catch(async (error: unknown) => {
    await stallMeter.close();
    throw error;
  });
  let machine: ReturnType<typeof machineMeter> | undefined;
  return {
    async begin() {
      machine = machineMeter();
      await Promise.all([stallMeter.start(), flushMeter.start()]);
    },
    async end() {
      if (!machine) throw new Error('phase meters: end() without begin()');
      const shares = machine.stop();
      machine = undefined;
      return { stalls: await stallMeter.stop(), flushes: await flushMeter.stop(), machine: shares };
    },
    async close() {
      await Promise.all([stallMeter.close(), flushMeter.close()]);
    },
  };
}

/** One line on a phase's readings, for the bench's logs. */
export function describePhase(readings: PhaseReadings): string {
  return `${describeStalls(readings.stalls)}, ${describeMachine(readings.machine)}, ${describeFlushes(readings.flushes)}`;
}
