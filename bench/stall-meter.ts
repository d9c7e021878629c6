/**
 * Stall meter for the benchmarks, run as its own process (see bench/lib/stall-process.ts): an idle
 * process that asks to wake every millisecond and records each gap by which it woke late. On a
 * saturated or hypervisor-throttled machine a process that has work to do (the api with a request
 * in its socket) waits as long to run, so these gaps are the part of a request's latency that no
 * code of the gateway can remove. Commands from the parent over IPC: `start` (empty the window),
 * `stop` (reply with the window's length and its gaps, in ms).
 */
type Command = { id: number; cmd: 'start' | 'stop' };

const INTERVAL_MS = 1;

let recording = false;
let windowStart = 0;
let gaps: number[] = [];
let due = performance.now() + INTERVAL_MS;

function tick(): void {
  const now = performance.now();
  if (recording && now > due) gaps.push(now - due);
  due = now + INTERVAL_MS;
  setTimeout(tick, INTERVAL_MS);
}
setTimeout(tick, INTERVAL_MS);

process.on('message', (message: Command) => {
  const reply = (body: Record<string, unknown>) => process.send?.({ id: message.id, ...body });
  switch (message.cmd) {
    case 'start':
      recording = true;
      gaps = [];
      windowStart = performance.now();
      return reply({});
    case 'stop':
      recording = false;
      return reply({ windowMs: performance.now() - windowStart, gaps });
  }
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.send?.({ ready: true });
