/**
 * The command loop of a bench meter that runs as its own process (bench/stall-meter.ts,
 * bench/flush-meter.ts), driven by bench/lib/child-process.ts: `start` begins a window, `stop` ends
 * it and replies with the window's length in ms and the values recorded in it, as `{ [name]: [...] }`.
 * It says it is ready once listening, and exits on SIGTERM or when the parent goes (after `close`,
 * e.g. removing a probe file). Returns the meter's `record(value)`, which keeps a value only inside a window.
 */
type Command = { id: number; cmd: 'start' | 'stop' };

export function serveMeter(name: string, close?: () => void): (value: number) => void {
  let recording = false;
  let values: number[] = [];
  let windowStart = 0;
  process.on('message', (message: Command) => {
    const reply = (body: Record<string, unknown>) => process.send?.({ id: message.id, ...body });
    switch (message.cmd) {
      case 'start':
        recording = true;
        values = [];
        windowStart = performance.now();
        return reply({});
      case 'stop':
        recording = false;
        return reply({ windowMs: performance.now() - windowStart, [name]: values });
    }
  });
  const exit = () => {
    close?.();
    process.exit(0);
  };
  process.on('disconnect', exit);
  process.on('SIGTERM', exit);
  process.send?.({ ready: true });
  return (value) => {
    if (recording) values.push(value);
  };
}
