/**
 * Where a publish rate's cost goes: starts the gateway (api and worker processes, as `npm run bench`
 * does) with one receiver, publishes at a fixed rate (open loop, as the publish scenario) and prints,
 * per measured run, the latency, the CPU of each process, write/read syscalls per event, Postgres
 * commits per event and sequential scans per table, Redis commands per event, and the 50 ms
 * windows that held requests slower than `--slow`, and how late an idle process beside them woke
 * (bench/stall-meter.ts: the machine's share of the latency) and how long the disk took to flush a
 * write (bench/flush-meter.ts: the disk's share). It found the frozen sequential-scan plans of the
 * delivery path (README, Performance). Not part of `npm run bench`: no targets, no JSON.
 *
 *   npx tsx bench/diagnose.ts [--rate 1000] [--seconds 10] [--runs 2] [--slow 25] [--paused]
 *
 * `--paused` pauses the delivery queue (publishing alone). Gateway settings and BENCH_NODE_FLAGS in
 * this process's environment reach the gateway processes, as in the bench.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { cpuMeter, describeMachine, pidsNamed } from './lib/cpu.ts';
import { committedTransactions, createEnvironment, REDIS_URL, registerEndpoint, type Environment } from './lib/environment.ts';
import { closedLoop, createPublishClient, openLoop, type OpenLoopResult, type PublishClient } from './lib/load.ts';
import { startReceiverProcess } from './lib/receiver-process.ts';
import { describeStatements, statementReader } from './lib/statements.ts';
import { describeStalls } from './lib/stall-process.ts';
import { describeFlushes } from './lib/flush-process.ts';
import { startPhaseMeters } from './lib/phase-meters.ts';
import { positiveNumbers } from './lib/options.ts';
import { sleep } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '2' },
    slow: { type: 'string', default: '25' },
    paused: { type: 'boolean', default: false },
    database: { type: 'string', default: 'webhooks_diagnose' },
  },
  strict: true,
});
const { rate, seconds, runs, slow: slowMs } = positiveNumbers(values, ['rate', 'seconds', 'runs', 'slow']);

type TableStats = Map<string, { seqScans: number; seqRows: number; indexScans: number }>;

async function tableStats(environment: Environment): Promise<TableStats> {
  const rows = await environment.sql<{ relname: string; seq_scan: number; seq_tup_read: number; idx_scan: number }[]>`
    select relname, seq_scan::float8 as seq_scan, seq_tup_read::float8 as seq_tup_read, coalesce(idx_scan, 0)::float8 as idx_scan
    from pg_stat_user_tables`;
  return new Map(rows.map((row) => [row.relname, { seqScans: row.seq_scan, seqRows: row.seq_tup_read, indexScans: row.idx_scan }]));
}

/** Calls of each Redis command since the server started (Lua scripts' own calls included). */
async function redisCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  return new Map([...info.matchAll(/cmdstat_(\S+):calls=(\d+)/g)].map((match) => [match[1]!, Number(match[2])]));
}

/** Write and read syscalls a process has made (`/proc/<pid>/io`). */
function syscalls(pid: number): { writes: number; reads: number } {
  const text = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { writes: Number(/syscw: (\d+)/.exec(text)?.[1]), reads: Number(/syscr: (\d+)/.exec(text)?.[1]) };
}

/** The 50 ms windows (by intended send time) that held requests slower than `slowMs`. */
function slowWindows(result: OpenLoopResult): string {
  const first = result.results[0]?.intendedAt ?? 0;
  const windows = new Map<number, { count: number; slow: number; maxMs: number }>();
  for (const { intendedAt, result: published } of result.results) {
    const key = Math.floor((intendedAt - first) / 50) * 50;
    const latency = published.endedAt - intendedAt;
    const window = windows.get(key) ?? { count: 0, slow: 0, maxMs: 0 };
    window.count += 1;
    if (latency > slowMs) window.slow += 1;
    window.maxMs = Math.max(window.maxMs, latency);
    windows.set(key, window);
  }
  const slow = [...windows].filter(([, window]) => window.slow > 0);
  return slow.length === 0 ? 'none' : slow.map(([at, window]) => `${at} ms: ${window.slow}/${window.count} (max ${window.maxMs.toFixed(0)})`).join(', ');
}

const perEvent = (delta: number, events: number) => (delta / events).toFixed(2);

const environment = await createEnvironment({ databaseName: values.database });
const receiver = await startReceiverProcess();
const meters = await startPhaseMeters(environment.sql);
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
let publisher: PublishClient | undefined;
try {
  await environment.startGateway();
  publisher = createPublishClient(environment.apiUrl);
  const client = publisher;
  await registerEndpoint(environment, receiver.urls[0]!, ['bench.*']);
  await closedLoop(500, 16, (index) => client.publish('bench.warmup', index));
  if (values.paused) await environment.queue.pause();
  const pids = { api: environment.api!.child.pid!, worker: environment.worker!.child.pid!, receiver: receiver.pid, loadGenerator: process.pid };
  // Per-statement Postgres times, when the server loads pg_stat_statements (checked once).
  const readStatements = await statementReader(environment.sql);
  console.log(`publishing ${rate}/s for ${seconds} s, ${runs} run(s)${values.paused ? ', delivery queue paused' : ''}`);
  for (let run = 1; run <= runs; run++) {
    const tablesBefore = await tableStats(environment);
    const commitsBefore = await committedTransactions(environment);
    const redisBefore = await redisCalls(redis);
    const syscallsBefore = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, syscalls(pid)]));
    const statementsBefore = await readStatements?.();
    const meter = cpuMeter({ api: () => [pids.api], worker: () => [pids.worker], receiver: () => [pids.receiver], postgres: () => pidsNamed('postgres'), redis: () => pidsNamed('redis-server') });
    const result = await openLoop(rate, seconds, (index) => client.publish('bench.diagnose', index), 1, () => void meters.begin().catch(() => {}));
    const cpu = meter.stop();
    const { stalls, flushes, machine: cores } = await meters.end();
    const statementsAfter = await readStatements?.();
    const events = result.sent;
    const io = Object.entries(pids).map(([name, pid]) => {
      const now = syscalls(pid);
      const before = syscallsBefore[name]!;
      return `${name} ${perEvent(now.writes - before.writes, events)} / ${perEvent(now.reads - before.reads, events)}`;
    });
    const redisAfter = await redisCalls(redis);
    const redisDeltas = [...redisAfter].map(([command, calls]) => [command, calls - (redisBefore.get(command) ?? 0)] as const).filter(([, calls]) => calls > 0);
    const redisTotal = redisDeltas.reduce((sum, [, calls]) => sum + calls, 0);
    const redisTop = redisDeltas.sort((a, b) => b[1] - a[1]).slice(0, 8).map(([command, calls]) => `${command} ${perEvent(calls, events)}`);
    const commitsPerEvent = perEvent((await committedTransactions(environment)) - commitsBefore, events);
    // Backends report table statistics about once a second.
    await sleep(1_200);
    const tablesAfter = await tableStats(environment);
    const scans = [...tablesAfter]
      .map(([table, after]) => ({ table, after, before: tablesBefore.get(table) }))
      .filter(({ after, before }) => before && after.seqScans > before.seqScans)
      .map(({ table, after, before }) => `${table} ${after.seqScans - before!.seqScans} (${after.seqRows - before!.seqRows} rows)`);
    const { p50, p95, p99, max } = result.latencyMs;
    console.log(`\nrun ${run}: p50 ${p50.toFixed(1)} p95 ${p95.toFixed(1)} p99 ${p99.toFixed(1)} max ${max.toFixed(1)} ms; send lag max ${result.maxSendLagMs.toFixed(1)} ms; ${result.ok}/${events} accepted`);
    console.log(`  ${describeStalls(stalls)}`);
    console.log(`  ${describeFlushes(flushes)}`);
    console.log(`  CPU, % of one core: ${Object.entries(cpu).map(([name, percent]) => `${name} ${percent}`).join(', ')}; ${describeMachine(cores)}`);
    console.log(`  syscalls per event (writes / reads): ${io.join(', ')}`);
    console.log(`  Postgres: ${commitsPerEvent} commits per event; sequential scans: ${scans.length === 0 ? 'none' : scans.join(', ')}`);
    console.log(`  Postgres time per statement: ${statementsBefore && statementsAfter ? describeStatements(statementsBefore, statementsAfter, events) : 'pg_stat_statements is not loaded (shared_preload_libraries)'}`);
    console.log(`  Redis: ${perEvent(redisTotal, events)} commands per event (${redisTop.join(', ')})`);
    console.log(`  windows with requests over ${slowMs} ms: ${slowWindows(result)}`);
  }
} finally {
  await publisher?.close();
  redis.disconnect();
  await receiver.stop();
  await meters.close();
  await environment.close();
}
