/**
 * Flush meter for the benchmarks, run as its own process (see bench/lib/flush-process.ts): every
 * 50 ms it writes 8 kB to a file on the disk of Postgres' data directory and waits for `fdatasync`,
 * the call with which Postgres makes a commit durable (`wal_sync_method = fdatasync`, Linux's
 * default). A publish is answered after its commit is on disk, so while a flush takes 400 ms no
 * durable write, the gateway's or anyone's, is answered sooner: that part of a latency is the disk's.
 * The file is `BENCH_FLUSH_FILE`, removed on exit. Commands from the parent over IPC: `start` (empty
 * the window), `stop` (reply with the window's length and each flush's duration, in ms).
 */
import { closeSync, fdatasyncSync, openSync, unlinkSync, writeSync } from 'node:fs';

type Command = { id: number; cmd: 'start' | 'stop' };

const INTERVAL_MS = 50;
const BLOCK = Buffer.alloc(8192, 0x5a);

const path = process.env.BENCH_FLUSH_FILE;
if (!path) throw new Error('BENCH_FLUSH_FILE is not set');
const fd = openSync(path, 'w');

let recording = false;
let windowStart = 0;
let flushes: number[] = [];

function flush(): void {
  const began = performance.now();
  writeSync(fd, BLOCK, 0, BLOCK.length, 0);
  fdatasyncSync(fd);
  if (recording) flushes.push(performance.now() - began);
  timer = setTimeout(flush, INTERVAL_MS);
}
let timer = setTimeout(flush, INTERVAL_MS);

function exit(): never {
  clearTimeout(timer);
  closeSync(fd);
  unlinkSync(path!);
  process.exit(0);
}

process.on('message', (message: Command) => {
  const reply = (body: Record<string, unknown>) => process.send?.({ id: message.id, ...body });
  switch (message.cmd) {
    case 'start':
      recording = true;
      flushes = [];
      windowStart = performance.now();
      return reply({});
    case 'stop':
      recording = false;
      return reply({ windowMs: performance.now() - windowStart, flushes });
  }
});
process.on('disconnect', exit);
process.on('SIGTERM', exit);
process.send?.({ ready: true });
