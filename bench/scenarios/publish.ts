/**
 * Publish: latency at 200 and 1,000 events/s (open loop) and the maximum rate (autocannon), beside
 * the rate at which a bare postgres.js loop inserts the same event + delivery rows.
 */
import { DEFAULT_TENANT_ID } from '../../src/db/index.ts';
import { committedTransactions, createEnvironment, registerEndpoint } from '../lib/environment.ts';
import { closedLoop, createBareInserter, createPublishClient, maxPublishRate, openLoop, pooledRate, type BareRate, type MaxRateResult } from '../lib/load.ts';
import { startReceiverProcess } from '../lib/receiver-process.ts';
import { STALL_LIMIT_LABEL } from '../lib/stall-process.ts';
import { FLUSH_LIMIT_LABEL } from '../lib/flush-process.ts';
import { describePhase, startPhaseMeters } from '../lib/phase-meters.ts';
import { check, type ScenarioResult } from '../lib/report.ts';
import { cpuMeter, pidsNamed, STOLEN_LABEL } from '../lib/cpu.ts';
import type { ScenarioContext } from './context.ts';

/** Connections autocannon keeps open, and loops in the bare insert limit. */
export const PUBLISH_CONCURRENCY = 64;
/** Slices of the gateway's maximum rate, each between two slices of the bare insert limit. */
const MAX_ROUNDS = 2;

/** Runs the publish scenario in a fresh environment. */
export async function publishScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const environment = await createEnvironment({ databaseName: context.databaseName, cpuProfDir: context.cpuProfDir });
  const cleanups: (() => Promise<unknown>)[] = [() => environment.close()];
  try {
    const poolSize = environment.config.databasePoolSize;
    const seconds = context.seconds(10);
    // The bare loop's rows go to an endpoint no published type matches, so the gateway never sees them
    // except as overdue deliveries the reconciler re-queues (into the paused queue, see below).
    const [unused] = await environment.sql<{ id: string }[]>`
      insert into endpoints (tenant_id, url, event_types) values (${DEFAULT_TENANT_ID}, 'http://127.0.0.1:9/unused', '{bench.bare}') returning id`;

    await environment.startGateway();
    const receiver = await startReceiverProcess();
    cleanups.unshift(() => receiver.stop());
    await registerEndpoint(environment, receiver.urls[0]!, ['bench.*']);
    const client = createPublishClient(environment.apiUrl);
    cleanups.unshift(() => client.close());
    // Beside each latency phase: how late an idle process woke on the machine meanwhile (its share of
    // the tail), how long the disk took to flush a write (every publish waits for its commit's flush)
    // and how busy the cores were (near 100 %, requests queue for a core).
    const meters = await startPhaseMeters(environment.sql);
    cleanups.unshift(() => meters.close());
    await closedLoop(context.count(500, 30), 16, (index) => client.publish('bench.warmup', index));

    context.log(`publish: open loop 200/s and 1,000/s for ${seconds}s each (after 1 s at that rate)`);
    // Each rate runs 1 s before its measured seconds (steady state, not the ramp from the previous phase).
    // The meters start from inside the loop (fire and forget): if one is gone, `end()` below says so.
    const measureBeside = () => void meters.begin().catch(() => {});
    const at200 = await openLoop(200, seconds, (index) => client.publish('bench.publish', index), context.seconds(1), measureBeside);
    const besideAt200 = await meters.end();
    const at1000 = await openLoop(1000, seconds, (index) => client.publish('bench.publish', index), context.seconds(1), measureBeside);
    const besideAt1000 = await meters.end();
    context.log(`publish: at 200/s ${describePhase(besideAt200)}`);
    context.log(`publish: at 1,000/s ${describePhase(besideAt1000)}`);
    // The delivery worker is paused so it does not compete for the CPU: this measures the publish path.
    await environment.queue.pause();
    // The gateway's maximum and the bare insert limit take turns in slices (bare, gateway, bare, gateway,
    // bare), each side's rate pooled over its slices: a slow spell of the machine lands on both sides
    // instead of on whichever ran during it (measured 25 s apart, the ratio ranged 61-113 % in runs of
    // the same code).
    const sliceSeconds = context.seconds(10 / MAX_ROUNDS);
    context.log(`publish: autocannon (${PUBLISH_CONCURRENCY} connections) and the bare insert limit (${PUBLISH_CONCURRENCY} loops, pool ${poolSize}) in turns: bare ${MAX_ROUNDS + 1} x ${sliceSeconds}s, gateway ${MAX_ROUNDS} x ${sliceSeconds}s`);
    const bareInserter = await createBareInserter(environment.databaseUrl, unused!.id, PUBLISH_CONCURRENCY, poolSize);
    cleanups.unshift(() => bareInserter.close());
    const bareSlices: BareRate[] = [];
    const maxSlices: (MaxRateResult & { count: number; commits: number; cpuPercent: Record<string, number> })[] = [];
    for (let round = 0; round < MAX_ROUNDS; round++) {
      bareSlices.push(await bareInserter.run(sliceSeconds));
      const commitsBefore = await committedTransactions(environment);
      const meter = cpuMeter({ api: () => [environment.api!.child.pid!], postgres: () => pidsNamed('postgres'), redis: () => pidsNamed('redis-server') });
      const slice = await maxPublishRate(environment.apiUrl, 'bench.max', PUBLISH_CONCURRENCY, sliceSeconds);
      const cpuPercent = meter.stop();
      maxSlices.push({ ...slice, count: slice.accepted, commits: (await committedTransactions(environment)) - commitsBefore, cpuPercent });
    }
    bareSlices.push(await bareInserter.run(sliceSeconds));
    const bare = { ...pooledRate(bareSlices), concurrency: PUBLISH_CONCURRENCY, poolSize, slices: bareSlices.map((slice) => Math.round(slice.perSecond)) };
    const { count: accepted, ...pooledMax } = pooledRate(maxSlices);
    const max = {
      ...pooledMax,
      connections: PUBLISH_CONCURRENCY,
      accepted,
      non2xx: maxSlices.reduce((sum, slice) => sum + slice.non2xx, 0),
      errors: maxSlices.reduce((sum, slice) => sum + slice.errors, 0),
      latencyP99Ms: Math.max(...maxSlices.map((slice) => slice.latencyP99Ms)),
      slices: maxSlices.map((slice) => Math.round(slice.perSecond)),
    };
    const commitsPerEvent = maxSlices.reduce((sum, slice) => sum + slice.commits, 0) / Math.max(1, max.accepted);
    context.log(`publish: ${Math.round(max.perSecond)}/s (slices ${max.slices.join(', ')}), bare insert ${Math.round(bare.perSecond)}/s (slices ${bare.slices.join(', ')}); ${commitsPerEvent.toFixed(2)} commits per event; CPU (% of one core): gateway ${JSON.stringify(max.cpuPercent)}, bare ${JSON.stringify(bare.cpuPercent)}`);
    const [rows] = await environment.sql<{ events: number; deliveries: number }[]>`
      select (select count(*)::int from events) as events, (select count(*)::int from deliveries) as deliveries`;
    const ratio = max.perSecond / bare.perSecond;
    const strip = ({ results: _results, ...rest }: typeof at200) => rest;
    return {
      rows: [
        { scenario: 'publish', measure: 'p50 at 200/s', value: at200.latencyMs.p50, unit: 'ms' },
        { scenario: 'publish', measure: 'p95 at 200/s', value: at200.latencyMs.p95, unit: 'ms' },
        { scenario: 'publish', measure: 'p99 at 200/s', value: at200.latencyMs.p99, unit: 'ms', limit: { label: STALL_LIMIT_LABEL, value: besideAt200.stalls.p99 } },
        { scenario: 'publish', measure: 'p50 at 1,000/s', value: at1000.latencyMs.p50, unit: 'ms' },
        { scenario: 'publish', measure: 'p95 at 1,000/s', value: at1000.latencyMs.p95, unit: 'ms' },
        {
          scenario: 'publish',
          measure: 'p99 at 1,000/s',
          value: at1000.latencyMs.p99,
          unit: 'ms',
          limit: { label: STALL_LIMIT_LABEL, value: besideAt1000.stalls.p99 },
          target: '< 25 ms',
          pass: check(at1000.latencyMs.p99 < 25, at1000.ok === at1000.sent),
        },
        {
          scenario: 'publish',
          measure: 'cores busy at 1,000/s (with delivery)',
          value: besideAt1000.machine.busyPercent,
          unit: '%',
          limit: { label: STOLEN_LABEL, value: besideAt1000.machine.stealPercent },
        },
        {
          scenario: 'publish',
          measure: 'disk flush wait p99 at 1,000/s',
          value: besideAt1000.flushes.waitP99,
          unit: 'ms',
          limit: { label: FLUSH_LIMIT_LABEL, value: besideAt1000.flushes.max },
        },
        {
          scenario: 'publish',
          measure: 'max events/s',
          value: max.perSecond,
          unit: '/s',
          limit: { label: 'bare insert', value: bare.perSecond },
          ratio,
          target: '>= 2,500/s and >= 80 %',
          pass: check(max.perSecond >= 2500, ratio >= 0.8, max.non2xx === 0, max.errors === 0),
        },
      ],
      details: { at200: { ...strip(at200), ...besideAt200 }, at1000: { ...strip(at1000), ...besideAt1000 }, max: { ...max, commitsPerEvent }, bareInsert: bare, rowsWritten: rows, deliveryWorkerPausedDuringMax: true },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => context.log(`cleanup failed: ${String(error)}`));
  }
}
