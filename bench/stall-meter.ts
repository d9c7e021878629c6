/**
 * Stall meter for the benchmarks, run as its own process (see bench/lib/stall-process.ts): an idle
 * process that asks to wake every millisecond and records each gap by which it woke late. On a
 * saturated or hypervisor-throttled machine a process that has work to do (the api with a request
 * in its socket) waits as long to run, so these gaps are the part of a request's latency that no
 * code of the gateway can remove. Commands from the parent over IPC (bench/lib/meter-child.ts):
 * `start` (empty the window), `stop` (reply with the window's length and its gaps, in ms).
 */
import { serveMeter } from './lib/meter-child.ts';

const INTERVAL_MS = 1;

const record = serveMeter('gaps');
let due = performance.now() + INTERVAL_MS;

function tick(): void {
  const now = performance.now();
  if (now > due) record(now - due);
  due = now + INTERVAL_MS;
  setTimeout(tick, INTERVAL_MS);
}
setTimeout(tick, INTERVAL_MS);
