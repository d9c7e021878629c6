/**
 * Backlog: publish latency at 1,000 events/s and drain rate with 1,000,000 old succeeded deliveries
 * (events, deliveries, attempts) bulk-inserted in SQL, beside the same measurements on empty tables.
 *
 * Two environments run side by side, each with its own database and gateway processes: one with
 * the old rows, one without. Their turns alternate (empty, old rows, old rows, empty, empty, old
 * rows) and each side is pooled over its three turns (its publish p50: the median of its turns' p50s),
 * so a drift of the machine's speed lands on both sides instead of on whichever ran during it.
 * (Measured a minute apart, before and after the bulk load, two empty runs of the same run read
 * 4,299 and 2,844/s: more than the 10 % being judged.)
 */
import { execFileSync } from 'node:child_process';
import { DEFAULT_TENANT_ID } from '../../src/db/index.ts';
import { createEnvironment, registerEndpoint, type Environment } from '../lib/environment.ts';
import { drainBacklog, pooledDrains, type DrainResult } from '../lib/drain.ts';
import { closedLoop, createPublishClient, makePayload, openLoop, type OpenLoopResult, type PublishClient } from '../lib/load.ts';
import { startReceiverProcess } from '../lib/receiver-process.ts';
import { check, type ScenarioResult } from '../lib/report.ts';
import { median, nowMs, pollUntil, summarize } from '../lib/stats.ts';
import type { ScenarioContext } from './context.ts';

/** Above this publish p99 on empty tables the gateway is not keeping up with the offered rate. */
const SATURATED_MS = 100;

/** Turns in order: E(mpty) and B(acklog) balanced, so a steady drift favours neither side. */
const TURNS = ['empty', 'backlog', 'backlog', 'empty', 'empty', 'backlog'] as const;

type Side = (typeof TURNS)[number];

/** One side: an environment (database, queue prefix, gateway processes) and a publish client on it. */
type Setup = { environment: Environment; client: PublishClient; endpointId: string };

type Turn = { side: Side; analyzed: string[]; publish: Omit<OpenLoopResult, 'results'>; drain: DrainResult };

/**
 * Analyzes the tables that changed by more than autovacuum's analyze threshold since their last
 * analyze (50 rows + 10 % of the table, the defaults), as autovacuum would; returns their names.
 * The 1,000,000 old rows stay analyzed from their bulk load, as they would on a server.
 */
async function analyzeLikeAutovacuum(environment: Environment): Promise<string[]> {
  const due = await environment.sql<{ relname: string }[]>`
    select s.relname from pg_stat_user_tables s join pg_class c on c.oid = s.relid
    where s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)`;
  for (const { relname } of due) await environment.sql`analyze ${environment.sql(relname)}`;
  return due.map((row) => row.relname);
}

/** Runs the backlog scenario in two fresh environments (`<database>` empty, `<database>_backlog` with the old rows). */
export async function backlogScenario(context: ScenarioContext): Promise<ScenarioResult> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const oldRows = context.count(1_000_000, 10_000);
    const seconds = context.seconds(5);
    // 8,000 per turn, 24,000 per side: one drain of 5,000 (about 1.5 s) moved with the machine's short spells.
    const events = context.count(8_000, 200);
    const receiver = await startReceiverProcess();
    cleanups.unshift(() => receiver.stop());
    const setup = async (databaseName: string): Promise<Setup> => {
      const environment = await createEnvironment({ databaseName, cpuProfDir: context.cpuProfDir });
      cleanups.unshift(() => environment.close());
      await environment.startGateway();
      const endpointId = await registerEndpoint(environment, receiver.urls[0]!, ['bench.*']);
      const client = createPublishClient(environment.apiUrl);
      cleanups.unshift(() => client.close());
      return { environment, client, endpointId };
    };
    const sides: Record<Side, Setup> = { empty: await setup(context.databaseName), backlog: await setup(`${context.databaseName}_backlog`) };
    const warmup = context.count(500, 30);
    for (const side of ['empty', 'backlog'] as const) {
      await closedLoop(warmup, 16, (index) => sides[side].client.publish(`bench.warmup-${side}`, index));
      await pollUntil(async () => (await receiver.received(`bench.warmup-${side}`)) >= warmup, 30_000);
    }
    context.log(`backlog: inserting ${oldRows} old deliveries`);
    const insertStarted = nowMs();
    await insertBacklog(sides.backlog.environment, sides.backlog.endpointId, oldRows);
    const insertSeconds = (nowMs() - insertStarted) / 1000;
    context.log(`backlog: ${oldRows} old deliveries (inserted in ${insertSeconds.toFixed(1)}s)`);

    // Each turn runs some seconds at the rate before its measured ones. A gateway that sat idle (through
    // the bulk load, or the other side's turn) has a p99 at 1,000/s about twice the steady one for about
    // 10 s (measured: 25-35 ms after 50 s idle, then 12-20 ms), with or without the old rows.
    const settle = context.seconds(8);
    const turns: Turn[] = [];
    const latencies: Record<Side, number[]> = { empty: [], backlog: [] };
    for (const [index, side] of TURNS.entries()) {
      context.log(`backlog: turn ${index + 1} of ${TURNS.length}, ${side === 'empty' ? 'empty tables' : `${oldRows} old rows`} (1,000/s for ${seconds}s after ${settle}s at that rate, drain ${events})`);
      // The side's tables are analyzed first where autovacuum would on a server that runs it (this
      // machine's does not): the old rows were analyzed after their bulk load, and the empty side's
      // tables, grown by the turns before, were planned as the few rows they held when first used.
      const analyzed = await analyzeLikeAutovacuum(sides[side].environment);
      const { results, ...publish } = await openLoop(1000, seconds, (sequence) => sides[side].client.publish(`bench.publish-${index}`, sequence), settle);
      for (const { intendedAt, result } of results) latencies[side].push(result.endedAt - intendedAt);
      const drain = await drainBacklog({
        environment: sides[side].environment,
        client: sides[side].client,
        receivers: [receiver],
        type: `bench.drain-${index}`,
        events,
        jobsPerEvent: 1,
        expectedPerEvent: 1,
        timeoutMs: 30_000 + events * 5,
      });
      turns.push({ side, analyzed, publish, drain });
    }
    const pooled = (side: Side) => {
      const own = turns.filter((turn) => turn.side === side);
      return {
        latencyMs: summarize(latencies[side]),
        drain: pooledDrains(own.map(({ drain }) => drain)),
        complete: own.every(({ drain }) => drain.complete),
        rates: own.map(({ drain }) => Math.round(drain.perSecond)),
        p50s: own.map(({ publish }) => publish.latencyMs.p50),
        // The median of the turns' p50s: one turn in a slow spell of the machine does not decide the
        // side, while a cost of the old rows slows every turn of theirs and moves it too.
        p50: median(own.map(({ publish }) => publish.latencyMs.p50)),
      };
    };
    const empty = pooled('empty');
    const backlog = pooled('backlog');
    context.log(`backlog: drain/s empty ${empty.rates.join(', ')}, old rows ${backlog.rates.join(', ')}; publish p50 ms empty ${empty.p50s.map((p50) => p50.toFixed(1)).join(', ')}, old rows ${backlog.p50s.map((p50) => p50.toFixed(1)).join(', ')}`);
    const latencyRatio = backlog.p50 / empty.p50;
    const drainRatio = backlog.drain.perSecond / empty.drain.perSecond;
    return {
      rows: [
        {
          scenario: 'backlog',
          measure: `publish p50 at 1,000/s (median of 3 turns), ${oldRows} old rows`,
          value: backlog.p50,
          unit: 'ms',
          limit: { label: 'empty tables', value: empty.p50 },
          ratio: latencyRatio,
          target: '<= 110 % (empty p99 < 100 ms)',
          // What the table size can cost (a deeper index, a plan that scans) slows every publish, so
          // the median shows it; the p99 below is the machine's CPU contention, whose spread between
          // runs of the same empty phase (29-995 ms) is far wider than 10 %. The ratio means something
          // only while the gateway keeps up with 1,000/s on empty tables (p99 within the SPEC's 100 ms
          // API bound); a saturated run compares queues, not tables.
          pass: check(latencyRatio <= 1.1, empty.latencyMs.p99 < SATURATED_MS),
        },
        {
          scenario: 'backlog',
          measure: `publish p99 at 1,000/s, ${oldRows} old rows`,
          value: backlog.latencyMs.p99,
          unit: 'ms',
          limit: { label: 'empty tables', value: empty.latencyMs.p99 },
          ratio: backlog.latencyMs.p99 / empty.latencyMs.p99,
        },
        {
          scenario: 'backlog',
          measure: `drain ${events} events x 3, ${oldRows} old rows`,
          value: backlog.drain.perSecond,
          unit: '/s',
          limit: { label: 'empty tables', value: empty.drain.perSecond },
          ratio: drainRatio,
          target: '>= 90 %',
          pass: check(drainRatio >= 0.9, empty.complete, backlog.complete),
        },
      ],
      details: { oldRows, insertSeconds, settleSeconds: settle, turns, pooled: { empty: { latencyMs: empty.latencyMs, turnP50s: empty.p50s, p50: empty.p50, drain: empty.drain }, backlog: { latencyMs: backlog.latencyMs, turnP50s: backlog.p50s, p50: backlog.p50, drain: backlog.drain } } },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => context.log(`cleanup failed: ${String(error)}`));
  }
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
