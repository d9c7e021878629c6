/**
 * Backlog: publish latency at 1,000 events/s and drain rate with 1,000,000 old succeeded deliveries
 * (events, deliveries, attempts) bulk-inserted in SQL, beside the same measurements on empty tables
 * just before and just after (tables truncated): their mean is the limit, so drift cancels out.
 */
import { execFileSync } from 'node:child_process';
import { DEFAULT_TENANT_ID } from '../../src/db/index.ts';
import { createEnvironment, registerEndpoint, type Environment } from '../lib/environment.ts';
import { drainBacklog } from '../lib/drain.ts';
import { closedLoop, createPublishClient, makePayload, openLoop, type PublishClient } from '../lib/load.ts';
import { startReceiverProcess, type ReceiverProcess } from '../lib/receiver-process.ts';
import { check, type ScenarioResult } from '../lib/report.ts';
import { nowMs, pollUntil } from '../lib/stats.ts';
import type { ScenarioContext } from './context.ts';

/** Above this publish p99 on empty tables the gateway is not keeping up with the offered rate. */
const SATURATED_MS = 100;

/** Runs the backlog scenario in a fresh environment. */
export async function backlogScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const environment = await createEnvironment({ databaseName: context.databaseName, cpuProfDir: context.cpuProfDir });
  const cleanups: (() => Promise<unknown>)[] = [() => environment.close()];
  try {
    const oldRows = context.count(1_000_000, 10_000);
    const seconds = context.seconds(10);
    // 10,000 per drain (about 3 s): a drain of 5,000 (about 1.5 s) moved with the machine's short spells.
    const events = context.count(10_000, 200);
    const receiver = await startReceiverProcess();
    cleanups.unshift(() => receiver.stop());
    await environment.startGateway();
    const endpointId = await registerEndpoint(environment, receiver.urls[0]!, ['bench.*']);
    const client = createPublishClient(environment.apiUrl);
    cleanups.unshift(() => client.close());
    const warmup = context.count(500, 30);
    await closedLoop(warmup, 16, (index) => client.publish('bench.warmup', index));
    await pollUntil(async () => (await receiver.received('bench.warmup')) >= warmup, 30_000);

    // Each phase runs 10 s at the rate before its measured seconds. The gateway's processes sit idle
    // through the bulk load, and for about 10 s after an idle spell of that length their p99 at
    // 1,000/s is about twice the steady one, with or without the old rows (measured: 25-35 ms after
    // 50 s idle, then 12-20 ms). 1 s of warm-up measured that recovery, not the table size.
    const settle = context.seconds(10);
    context.log(`backlog: empty tables (1,000/s for ${seconds}s after ${settle}s at that rate, drain ${events})`);
    const empty = await measure(environment, client, receiver, seconds, events, 'empty', settle);
    context.log(`backlog: inserting ${oldRows} old deliveries`);
    const insertStarted = nowMs();
    await insertBacklog(environment, endpointId, oldRows);
    const insertSeconds = (nowMs() - insertStarted) / 1000;
    context.log(`backlog: ${oldRows} old deliveries (inserted in ${insertSeconds.toFixed(1)}s)`);
    const backlog = await measure(environment, client, receiver, seconds, events, 'backlog', settle);
    // Truncated, not vacuumed: statistics of empty tables would plan sequential scans (see publish).
    await environment.sql`truncate events cascade`;
    context.log('backlog: empty tables again');
    const emptyAfter = await measure(environment, client, receiver, seconds, events, 'empty-after', settle);
    const emptyP50 = (empty.publish.latencyMs.p50 + emptyAfter.publish.latencyMs.p50) / 2;
    const emptyP99 = (empty.publish.latencyMs.p99 + emptyAfter.publish.latencyMs.p99) / 2;
    const emptyRate = (empty.drain.perSecond + emptyAfter.drain.perSecond) / 2;
    const latencyRatio = backlog.publish.latencyMs.p50 / emptyP50;
    const drainRatio = backlog.drain.perSecond / emptyRate;
    return {
      rows: [
        {
          scenario: 'backlog',
          measure: `publish p50 at 1,000/s, ${oldRows} old rows`,
          value: backlog.publish.latencyMs.p50,
          unit: 'ms',
          limit: { label: 'empty tables', value: emptyP50 },
          ratio: latencyRatio,
          target: '<= 110 % (empty p99 < 100 ms)',
          // What the table size can cost (a deeper index, a plan that scans) slows every publish, so
          // the median shows it; the p99 below is the machine's CPU contention, whose spread between
          // runs of the same empty phase (29-995 ms) is far wider than 10 %. The ratio means something
          // only while the gateway keeps up with 1,000/s on empty tables (p99 within the SPEC's 100 ms
          // API bound); a saturated run compares queues, not tables.
          pass: check(latencyRatio <= 1.1, emptyP99 < SATURATED_MS),
        },
        {
          scenario: 'backlog',
          measure: `publish p99 at 1,000/s, ${oldRows} old rows`,
          value: backlog.publish.latencyMs.p99,
          unit: 'ms',
          limit: { label: 'empty tables', value: emptyP99 },
          ratio: backlog.publish.latencyMs.p99 / emptyP99,
        },
        {
          scenario: 'backlog',
          measure: `drain ${events} events, ${oldRows} old rows`,
          value: backlog.drain.perSecond,
          unit: '/s',
          limit: { label: 'empty tables', value: emptyRate },
          ratio: drainRatio,
          target: '>= 90 %',
          pass: check(drainRatio >= 0.9, backlog.drain.complete, empty.drain.complete, emptyAfter.drain.complete),
        },
      ],
      details: { oldRows, insertSeconds, settleSeconds: settle, empty, backlog, emptyAfter },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => context.log(`cleanup failed: ${String(error)}`));
  }
}

async function measure(environment: Environment, client: PublishClient, receiver: ReceiverProcess, seconds: number, events: number, label: string, warmupSeconds: number) {
  // Some seconds at the rate before the measured ones: the table size is compared, not the ramp from idle.
  const latency = await openLoop(1000, seconds, (index) => client.publish(`bench.publish-${label}`, index), warmupSeconds);
  const { results: _results, ...publish } = latency;
  const drain = await drainBacklog({
    environment,
    client,
    receivers: [receiver],
    type: `bench.drain-${label}`,
    events,
    jobsPerEvent: 1,
    expectedPerEvent: 1,
    timeoutMs: 30_000 + events * 5,
  });
  return { publish, drain };
}

/** Old succeeded deliveries, one event and one attempt each, written by set-based SQL in one transaction. */
async function insertBacklog(environment: Environment, endpointId: string, rows: number): Promise<void> {
  const payload = JSON.stringify(makePayload(0));
  await environment.sql.begin(async (tx) => {
    await tx`
      insert into events (id, tenant_id, type, payload, correlation_id, created_at)
      select uuid_v7(), ${DEFAULT_TENANT_ID}, 'bench.old', ${payload}::jsonb, gen_random_uuid(),
        now() - interval '30 days' + g * interval '1 ms'
      from generate_series(1, ${rows}::int) as g`;
    await tx`
      insert into deliveries (id, tenant_id, event_id, endpoint_id, status, attempt_count, last_attempt_at, last_status_code, created_at, updated_at)
      select uuid_v7(), tenant_id, id, ${endpointId}, 'succeeded', 1, created_at, 200, created_at, created_at
      from events where type = 'bench.old'`;
    await tx`
      insert into delivery_attempts (tenant_id, delivery_id, series, attempt_number, trigger, started_at, duration_ms, outcome, status_code, response_body)
      select tenant_id, id, 1, 1, 'scheduled', created_at, 3, 'succeeded', 200, 'ok'
      from deliveries where status = 'succeeded' and last_status_code = 200 and created_at < now() - interval '1 day'`;
  });
  await environment.sql`vacuum analyze events, deliveries, delivery_attempts`;
  // The bulk load wrote ~1 GB of WAL: flush it now, or the checkpoint it triggers lands in the
  // measurement and times the disk catching up with the setup, not publishing beside old rows.
  await environment.sql`checkpoint`;
  // And let the kernel write back the gigabyte of dirty pages, which would otherwise slow every
  // WAL fsync of the measurement that follows.
  execFileSync('sync');
}
