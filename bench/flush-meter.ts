/**
 * Flush meter for the benchmarks, run as its own process (see bench/lib/flush-process.ts): every
 * 50 ms it writes 8 kB to a file on the disk of Postgres' data directory and waits for `fdatasync`,
 * the call with which Postgres makes a commit durable (`wal_sync_method = fdatasync`, Linux's
 * default). A publish is answered after its commit is on disk, so while a flush takes 400 ms no
 * durable write, the gateway's or anyone's, is answered sooner: that part of a latency is the disk's.
 * The file is `BENCH_FLUSH_FILE`, removed on exit. Commands from the parent over IPC
 * (bench/lib/meter-child.ts): `start` (empty the window), `stop` (reply with the window's length
 * and each flush's duration, in ms).
 */
import { closeSync, fdatasyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { serveMeter } from './lib/meter-child.ts';

const INTERVAL_MS = 50;
const BLOCK = Buffer.alloc(8192, 0x5a);

const path = process.env.BENCH_FLUSH_FILE;
if (!path) throw new Error('BENCH_FLUSH_FILE is not set');
const fd = openSync(path, 'w');

let timer: NodeJS.Timeout | undefined;
const record = serveMeter('flushes', () => {
  clearTimeout(timer);
  closeSync(fd);
  unlinkSync(path);
});

function flush(): void {
  const began = performance.now();
  writeSync(fd, BLOCK, 0, BLOCK.length, 0);
  fdatasyncSync(fd);
  record(performance.now() - began);
  timer = setTimeout(flush, INTERVAL_MS);
}
timer = setTimeout(flush, INTERVAL_MS);
