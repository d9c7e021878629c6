/**
 * Smoke run of the benchmark harness (`npm run bench` at a tiny scale): it must start the gateway
 * processes, run every scenario to completion and write a JSON result with sane values. Performance
 * targets are not asserted here (they belong to the full run on a quiet machine).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STOLEN_LABEL } from '../bench/lib/cpu.ts';
import { STALL_LIMIT_LABEL } from '../bench/lib/stall-process.ts';
import { FLUSH_LIMIT_LABEL } from '../bench/lib/flush-process.ts';

type Row = { scenario: string; measure: string; value: number; unit: string; limit?: { label: string; value: number }; ratio?: number; target?: string; pass?: boolean };
type Drain = { expected: number; received: number; complete: boolean; perSecond: number; publishErrors: Record<string, number> };
type Summary = { count: number; p50: number; p99: number };
type Stalls = { windowMs: number; p99: number; max: number; stalledShare: number };
type Flushes = { windowMs: number; count: number; p50: number; waitP99: number; max: number };
type Machine = { busyPercent: number; idlePercent: number; iowaitPercent: number; stealPercent: number };
type Report = {
  scale: number;
  rows: Row[];
  problems: string[];
  scenarios: {
    publish: { at200: { sent: number; ok: number; latencyMs: Summary; stalls: Stalls; machine: Machine; flushes: Flushes }; at1000: { sent: number; ok: number; latencyMs: Summary; stalls: Stalls; machine: Machine; flushes: Flushes }; max: { accepted: number; non2xx: number; slices: number[] }; bareInsert: { count: number; slices: number[] } };
    delivery: { drain: Drain; latency: { undelivered: number; endToEndMs: Summary; machine: Machine; flushes: Flushes }; barePost: { perSecond: number }; memory: { api: { peakMb: number }; worker: { peakMb: number } } };
    'fan-out': { endpoints: number; runs: { complete: boolean; received: number; ms: number }[] };
    backlog: { oldRows: number; turns: { side: string; drain: Drain }[] };
    isolation: { rounds: number; baseline: Drain[]; withBad: Drain[]; badEndpointRequests: number };
  };
};

const dir = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Runs `node --import tsx <script> ...args` to its exit; returns the exit code and all it printed. */
async function runScript(script: string, args: string[]): Promise<{ code: number | null; text: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, text: output.join('') };
}

/** A phase's machine shares: the cores were busy some of the time, and the four shares cover all of it. */
function expectMachineShares(machine: Machine): void {
  expect(machine.busyPercent).toBeGreaterThan(0);
  expect(machine.busyPercent + machine.idlePercent + machine.iowaitPercent + machine.stealPercent).toBeCloseTo(100, 0);
}

/** The flush meter ran beside a phase: it flushed every 50 ms or so, each flush took time, and the p99 wait is within the longest. */
function expectFlushes(flushes: Flushes): void {
  expect(flushes.windowMs).toBeGreaterThan(100);
  expect(flushes.count).toBeGreaterThan(2);
  expect(flushes.p50).toBeGreaterThan(0);
  expect(flushes.max).toBeGreaterThanOrEqual(flushes.p50);
  expect(flushes.waitP99).toBeLessThanOrEqual(flushes.max);
}

describe('benchmark harness (smoke run)', () => {
  it('runs every scenario against real gateway processes and writes a sane JSON result', { timeout: 240_000 }, async () => {
    const json = join(dir, 'result.json');
    const { code, text } = await runScript('bench/run.ts', ['--scale', '0.01', '--json', json, '--database', `wh_bench_smoke_${randomBytes(4).toString('hex')}`]);
    expect(code, text).toBe(0);
    expect(text).toContain('| scenario');

    const report = JSON.parse(await readFile(json, 'utf8')) as Report;
    expect(report.problems).toEqual([]);
    expect(report.scale).toBe(0.01);
    expect(new Set(report.rows.map((row) => row.scenario))).toEqual(new Set(['publish', 'delivery', 'fan-out', 'backlog', 'isolation', 'memory']));
    for (const row of report.rows) {
      // A disk that flushed every write at once makes no commit wait (checked with the phase below).
      const mayBeZero = row.limit?.label === FLUSH_LIMIT_LABEL;
      expect(Number.isFinite(row.value) && (row.value > 0 || (mayBeZero && row.value === 0)), `${row.scenario} ${row.measure} = ${row.value}`).toBe(true);
      // Every limit is a rate or a latency, except the stall meter's, which may see no stall, and the host's steal, which may be none (both checked below).
      if (row.limit && row.limit.label !== STALL_LIMIT_LABEL && row.limit.label !== STOLEN_LABEL) expect(row.limit.value, `${row.scenario} ${row.measure} limit`).toBeGreaterThan(0);
      if (row.target !== undefined) expect(typeof row.pass, `${row.scenario} ${row.measure} pass`).toBe('boolean');
    }

    const { publish, delivery, backlog, isolation } = report.scenarios;
    for (const phase of [publish.at200, publish.at1000]) {
      expect(phase.ok).toBe(phase.sent);
      expect(phase.latencyMs.count).toBe(phase.sent);
      expect(phase.latencyMs.p99).toBeGreaterThanOrEqual(phase.latencyMs.p50);
      // The stall meter ran beside the phase: about as long, and it woke every millisecond.
      expect(phase.stalls.windowMs).toBeGreaterThan(100);
      expect(phase.stalls.p99).toBeGreaterThanOrEqual(0);
      expect(phase.stalls.max).toBeGreaterThanOrEqual(phase.stalls.p99);
      expect(phase.stalls.stalledShare).toBeGreaterThan(0);
      // The machine meter ran beside it too: its shares of the cores add up to all of them.
      expectMachineShares(phase.machine);
      expectFlushes(phase.flushes);
    }
    const cores = report.rows.find((row) => row.measure === 'cores busy at 1,000/s (with delivery)');
    expect(cores?.value).toBe(publish.at1000.machine.busyPercent);
    expect(cores?.limit).toEqual({ label: STOLEN_LABEL, value: publish.at1000.machine.stealPercent });
    // The p99 rows show the stall meter's p99 of their own phase as their limit.
    const stallLimit = (measure: string) => report.rows.find((row) => row.scenario === 'publish' && row.measure === measure)?.limit;
    expect(stallLimit('p99 at 200/s')).toEqual({ label: STALL_LIMIT_LABEL, value: publish.at200.stalls.p99 });
    expect(stallLimit('p99 at 1,000/s')).toEqual({ label: STALL_LIMIT_LABEL, value: publish.at1000.stalls.p99 });
    // The disk's row shows the 1,000/s phase's commit wait, with its longest flush beside it.
    const disk = report.rows.find((row) => row.measure === 'disk flush wait p99 at 1,000/s');
    expect(disk?.value).toBe(publish.at1000.flushes.waitP99);
    expect(disk?.limit).toEqual({ label: FLUSH_LIMIT_LABEL, value: publish.at1000.flushes.max });
    expect(publish.max.accepted).toBeGreaterThan(0);
    expect(publish.max.non2xx).toBe(0);
    expect(publish.bareInsert.count).toBeGreaterThan(0);
    // The maximum rate and the bare insert limit took turns: each gateway slice between two bare ones.
    expect(publish.bareInsert.slices).toHaveLength(publish.max.slices.length + 1);

    for (const drain of [delivery.drain, ...backlog.turns.map((turn) => turn.drain), ...isolation.baseline, ...isolation.withBad]) {
      expect(drain.complete).toBe(true);
      expect(drain.received).toBe(drain.expected);
      expect(drain.publishErrors).toEqual({});
    }
    expect(delivery.latency.undelivered).toBe(0);
    expectMachineShares(delivery.latency.machine);
    expectFlushes(delivery.latency.flushes);
    expect(delivery.latency.endToEndMs.p50).toBeGreaterThan(0);
    expect(delivery.barePost.perSecond).toBeGreaterThan(0);
    // A Node process with the gateway loaded takes tens of MB; below that the sampling is broken.
    expect(delivery.memory.api.peakMb).toBeGreaterThan(30);
    expect(delivery.memory.worker.peakMb).toBeGreaterThan(30);

    const fanout = report.scenarios['fan-out'];
    expect(fanout.runs.length).toBeGreaterThan(0);
    for (const run of fanout.runs) expect(run).toMatchObject({ complete: true, received: fanout.endpoints });
    expect(backlog.oldRows).toBeGreaterThanOrEqual(10_000);
    // The empty tables and the old rows took turns, three each, balanced against a steady drift.
    expect(backlog.turns.map((turn) => turn.side)).toEqual(['empty', 'backlog', 'backlog', 'empty', 'empty', 'backlog']);
    // The hanging endpoint really was sent requests (one per event at least until its breaker opened).
    expect(isolation.badEndpointRequests).toBeGreaterThan(0);
    // Rounds without and with the bad endpoint alternated.
    expect(isolation.baseline).toHaveLength(isolation.rounds);
    expect(isolation.withBad).toHaveLength(isolation.rounds);
  });

  it('diagnoses a publish rate: latency, CPU, syscalls, Postgres and Redis counts per event', { timeout: 120_000 }, async () => {
    const { code, text } = await runScript('bench/diagnose.ts', ['--rate', '200', '--seconds', '1', '--runs', '1', '--database', `wh_diagnose_smoke_${randomBytes(4).toString('hex')}`]);
    expect(code, text).toBe(0);
    expect(text).toMatch(/run 1: p50 [\d.]+ p95 [\d.]+ p99 [\d.]+ max [\d.]+ ms; send lag max [\d.]+ ms; 200\/200 accepted/);
    expect(text).toMatch(/CPU, % of one core: api [\d.]+, worker [\d.]+, receiver [\d.]+, postgres [\d.]+, redis [\d.]+, loadGenerator [\d.]+/);
    expect(text).toMatch(/Postgres: [\d.]+ commits per event/);
    expect(text).toMatch(/cores [\d.]+ % busy \(steal [\d.]+ %, iowait [\d.]+ %\)/);
    expect(text).toMatch(/the disk flushed 8 kB in [\d.]+ ms at the median, longest [\d.]+ ms, \d+ of \d+ over 10 ms/);
    // Per-statement times need pg_stat_statements in the server's shared_preload_libraries; without it the line says so.
    expect(text).toMatch(/Postgres time per statement: ([\d.]+ us per event in all|pg_stat_statements is not loaded)/);
    // Each published event is queued and delivered through BullMQ's scripts: dozens of commands.
    const redisPerEvent = Number(/Redis: ([\d.]+) commands per event/.exec(text)?.[1]);
    expect(redisPerEvent).toBeGreaterThan(5);
  });

  it('measures the client CPU of one POST: the gateway sender beside request() with and without a cockatiel timeout', { timeout: 60_000 }, async () => {
    const { code, text } = await runScript('bench/http-client.ts', ['--count', '200', '--concurrency', '20', '--rounds', '1']);
    expect(code, text).toBe(0);
    const rows = [...text.matchAll(/^round 1 (gateway sender|request \+ cockatiel timeout|bare request, no deadline) +(\d+) us client CPU per POST, (\d+) POSTs\/s$/gm)];
    expect(rows.map((row) => row[1])).toEqual(['gateway sender', 'request + cockatiel timeout', 'bare request, no deadline']);
    for (const row of rows) expect(Number(row[2]) > 0 && Number(row[3]) > 0, row[0]).toBe(true);
  });

  it('measures the api CPU per publish beside bare node:http servers (alone, + insert, + insert + enqueue)', { timeout: 120_000 }, async () => {
    const { code, text } = await runScript('bench/api-cost.ts', ['--rate', '200', '--seconds', '1', '--rounds', '1', '--database', `wh_api_cost_smoke_${randomBytes(4).toString('hex')}`]);
    expect(code, text).toBe(0);
    const row = /^(round 1|median ) (gateway api|node:http \+ insert \+ enqueue|node:http \+ insert|node:http alone) +(\d+) us CPU per publish \(postgres (\d+) us, redis (\d+) us\), ([\d.]+) wakes, p50 ([\d.]+) p99 ([\d.]+) ms$/gm;
    const rows = [...text.matchAll(row)];
    const sides = ['gateway api', 'node:http + insert + enqueue', 'node:http + insert', 'node:http alone'];
    expect(rows.map((match) => `${match[1]} ${match[2]}`)).toEqual([...sides.map((side) => `round 1 ${side}`), ...sides.map((side) => `median  ${side}`)]);
    // Every server slept between requests; the ones that write rows used measurable CPU (a /proc tick is 10 ms).
    for (const match of rows) expect(Number(match[6]), match[0]).toBeGreaterThan(0);
    for (const match of rows.filter((row) => row[2] !== 'node:http alone')) expect(Number(match[3]), match[0]).toBeGreaterThan(0);
    // Postgres' and Redis' CPU are the whole servers' (other test files share them), so they are only well formed here.
  });

  it('measures queueing jobs alone (add per job, addBulk, the gateway enqueue) at each batch size', { timeout: 60_000 }, async () => {
    const { code, text } = await runScript('bench/enqueue.ts', ['--seconds', '0.05']);
    expect(code, text).toBe(0);
    const rows = [...text.matchAll(/^(one add per job|addBulk \(one MULTI\)|gateway enqueue) +batch +(\d+): +([\d.]+) us client CPU \+ +([\d.]+) us Redis CPU per job, (\d+) jobs\/s$/gm)];
    expect(rows.map((row) => `${row[1]} ${row[2]}`)).toEqual(
      [1, 3, 10, 20, 100].flatMap((batch) => [`one add per job ${batch}`, `addBulk (one MULTI) ${batch}`, `gateway enqueue ${batch}`]),
    );
    for (const row of rows) expect(Number(row[3]) > 0 && Number(row[5]) > 0, row[0]).toBe(true);
  });
});
