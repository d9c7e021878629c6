/**
 * Delivery: drain 20,000 queued events to one fast receiver, beside signed POSTs of the same bodies
 * by a bare undici loop at the worker's concurrency; publish-to-receipt latency at 500 events/s;
 * peak RSS of the api and worker processes during the run (the memory rows).
 */
import { createEnvironment, registerEndpoint, sampleRss } from '../lib/environment.ts';
import { drainBacklog, endToEndLatency } from '../lib/drain.ts';
import { barePostLatency, barePostRate, createPublishClient } from '../lib/load.ts';
import { startReceiverProcess } from '../lib/receiver-process.ts';
import { describeStalls } from '../lib/stall-process.ts';
import { describePhase, startPhaseMeters } from '../lib/phase-meters.ts';
import { check, type ScenarioResult } from '../lib/report.ts';
import type { ScenarioContext } from './context.ts';

const MEMORY_LIMIT_MB = 250;

/** Runs the delivery scenario (and the memory measurement) in a fresh environment. */
export async function deliveryScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const environment = await createEnvironment({ databaseName: context.databaseName, cpuProfDir: context.cpuProfDir });
  const cleanups: (() => Promise<unknown>)[] = [() => environment.close()];
  try {
    const concurrency = environment.config.workerConcurrency;
    const events = context.count(20_000, 200);
    const seconds = context.seconds(10);
    const receiver = await startReceiverProcess();
    cleanups.unshift(() => receiver.stop());
    await environment.startGateway();
    const api = sampleRss(environment.api!.child.pid!);
    const worker = sampleRss(environment.worker!.child.pid!);
    await registerEndpoint(environment, receiver.urls[0]!, ['bench.*']);
    const client = createPublishClient(environment.apiUrl);
    cleanups.unshift(() => client.close());
    // Beside each timed phase: how late an idle process woke (a slow run on a stalling machine shows
    // it), how long the disk took to flush a write (each publish waits for its commit's flush) and how
    // busy the cores were.
    const meters = await startPhaseMeters(environment.sql);
    cleanups.unshift(() => meters.close());

    context.log(`delivery: bare undici limit (${events} signed POSTs, ${concurrency} in flight)`);
    const bare = await barePostRate(receiver.urls[0]!, events, concurrency);
    // Warm-up: a smaller drain of the same kind, so the worker's hot paths are compiled before it is
    // timed. Measured cold, the drain included the JIT's work: 1,800-2,000/s against 2,700/s warm.
    const warmup = context.count(5_000, 30);
    await drainBacklog({ environment, client, receivers: [receiver], type: 'bench.warmup', events: warmup, jobsPerEvent: 1, expectedPerEvent: 1, timeoutMs: 30_000 + warmup * 5 });

    context.log(`delivery: drain ${events} queued events`);
    // The Postgres backends serving the bench database (the gateway's pools are open by now).
    const backends = await environment.sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
    const pids = { api: environment.api!.child.pid!, worker: environment.worker!.child.pid!, receiver: receiver.pid, postgres: backends.map((row) => row.pid) };
    await meters.begin();
    const drain = await drainBacklog({
      environment,
      client,
      receivers: [receiver],
      type: 'bench.drain',
      events,
      jobsPerEvent: 1,
      expectedPerEvent: 1,
      timeoutMs: 30_000 + events * 5,
      pids,
    });
    context.log(`delivery: ${Math.round(drain.perSecond)}/s; CPU while draining (% of one core): ${JSON.stringify(drain.cpuPercent, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`);
    const besideDrain = await meters.end();
    context.log(`delivery: publish-to-receipt latency at 500/s for ${seconds}s`);
    await meters.begin();
    const latency = await endToEndLatency({ client, receiver, type: 'bench.latency', rate: 500, seconds, timeoutMs: 30_000 });
    const besideLatency = await meters.end();
    context.log(`delivery: during the drain ${describeStalls(besideDrain.stalls)}; at 500/s ${describePhase(besideLatency)}`);
    const memory = { api: api.stop(), worker: worker.stop() };
    const bareLatency = await barePostLatency(receiver.urls[0]!, 500, seconds);
    const ratio = drain.perSecond / bare.perSecond;
    return {
      rows: [
        {
          scenario: 'delivery',
          measure: `drain ${events} events`,
          value: drain.perSecond,
          unit: '/s',
          limit: { label: 'bare POST', value: bare.perSecond },
          ratio,
          target: '>= 2,500/s',
          pass: check(drain.perSecond >= 2500, drain.complete),
        },
        {
          scenario: 'delivery',
          measure: 'publish-to-receipt p50 at 500/s',
          value: latency.endToEndMs.p50,
          unit: 'ms',
          limit: { label: 'bare POST p50', value: bareLatency.p50 },
          target: '< 20 ms',
          pass: check(latency.endToEndMs.p50 < 20, latency.undelivered === 0),
        },
        {
          scenario: 'delivery',
          measure: 'publish-to-receipt p99 at 500/s',
          value: latency.endToEndMs.p99,
          unit: 'ms',
          limit: { label: 'bare POST p99', value: bareLatency.p99 },
          target: '< 100 ms',
          pass: check(latency.endToEndMs.p99 < 100, latency.undelivered === 0),
        },
        {
          scenario: 'memory',
          measure: 'api peak RSS (delivery run)',
          value: memory.api.peakMb,
          unit: 'MB',
          target: `< ${MEMORY_LIMIT_MB} MB`,
          pass: check(memory.api.peakMb < MEMORY_LIMIT_MB),
        },
        {
          scenario: 'memory',
          measure: 'worker peak RSS (delivery run)',
          value: memory.worker.peakMb,
          unit: 'MB',
          target: `< ${MEMORY_LIMIT_MB} MB`,
          pass: check(memory.worker.peakMb < MEMORY_LIMIT_MB),
        },
      ],
      details: { workerConcurrency: concurrency, barePost: bare, drain: { ...drain, stalls: besideDrain.stalls }, latency: { ...latency, ...besideLatency }, barePostLatencyMs: bareLatency, memory },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => context.log(`cleanup failed: ${String(error)}`));
  }
}
