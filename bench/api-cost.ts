/**
 * What one publish costs the api process at a steady rate, beside the bare stack it is built on: the
 * gateway's api (delivery queue paused, so its worker takes nothing) and three bare node:http servers
 * (bench/bare-api.ts): parsing the request alone, with the event and delivery rows written by postgres.js,
 * and with the delivery job queued by the gateway's enqueue too. Each is driven by the same open loop
 * client at `--rate` (after 1 s at that rate); printed: the server's CPU per publish, Postgres' and
 * Redis' beside it, and the latency. Rounds take the sides in turn, so a change of the machine's speed
 * lands on all of them; the last lines are each side's median over the rounds.
 * Not part of `npm run bench`: no targets, no JSON.
 *
 *   npx tsx bench/api-cost.ts [--rate 1000] [--seconds 5] [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_TENANT_ID } from '../src/db/index.ts';
import { startBenchChild, type BenchChild } from './lib/child-process.ts';
import { cpuMeter, pidsNamed } from './lib/cpu.ts';
import { createEnvironment, REDIS_URL, registerEndpoint, type Environment } from './lib/environment.ts';
import { closedLoop, createPublishClient, openLoop, type PublishClient } from './lib/load.ts';
import { positiveNumbers } from './lib/options.ts';
import { median } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    database: { type: 'string', default: 'webhooks_api_cost' },
  },
  strict: true,
});
const { rate, seconds, rounds } = positiveNumbers(values, ['rate', 'seconds', 'rounds']);

type Side = { label: string; pid: number; client: PublishClient };
type Cost = { serverUs: number; postgresUs: number; redisUs: number; wakes: number; p50: number; p99: number; ok: number; sent: number };

/** How often a process has slept and been woken (`voluntary_ctxt_switches` in /proc/<pid>/status). */
function wakes(pid: number): number {
  return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** % of one core at `rate` requests per second, as microseconds per request. */
const perRequestUs = (percent: number) => (percent * 10_000) / rate;

async function measure(side: Side): Promise<Cost> {
  let meter: ReturnType<typeof cpuMeter> | undefined;
  let wakesBefore = NaN;
  const result = await openLoop(rate, seconds, (index) => side.client.publish('bench.cost', index), 1, () => {
    meter = cpuMeter({ server: () => [side.pid], postgres: () => pidsNamed('postgres'), redis: () => pidsNamed('redis-server') });
    wakesBefore = wakes(side.pid);
  });
  const cpu = meter?.stop() ?? {};
  const woken = wakes(side.pid) - wakesBefore;
  return {
    serverUs: perRequestUs(cpu.server ?? 0),
    postgresUs: perRequestUs(cpu.postgres ?? 0),
    redisUs: perRequestUs(cpu.redis ?? 0),
    wakes: woken / result.sent,
    p50: result.latencyMs.p50,
    p99: result.latencyMs.p99,
    ok: result.ok,
    sent: result.sent,
  };
}

function describe(label: string, cost: Omit<Cost, 'ok' | 'sent'>): string {
  const us = (value: number) => value.toFixed(0);
  return `${label.padEnd(31)} ${us(cost.serverUs).padStart(4)} us CPU per publish (postgres ${us(cost.postgresUs)} us, redis ${us(cost.redisUs)} us), ${cost.wakes.toFixed(2)} wakes, p50 ${cost.p50.toFixed(1)} p99 ${cost.p99.toFixed(1)} ms`;
}

const environments: Environment[] = [];
const children: BenchChild[] = [];
const sides: Side[] = [];
try {
  const gateway = await createEnvironment({ databaseName: values.database });
  environments.push(gateway);
  // The bare servers write to their own database, so the gateway's reconciler never sees their rows.
  const bare = await createEnvironment({ databaseName: `${values.database}_bare` });
  environments.push(bare);
  const [endpoint] = await bare.sql<{ id: string }[]>`
    insert into endpoints (tenant_id, url, event_types) values (${DEFAULT_TENANT_ID}, 'http://127.0.0.1:9/unused', '{bench.bare}') returning id`;
  await gateway.startGateway();
  await registerEndpoint(gateway, 'http://127.0.0.1:9/unused', ['bench.*']);
  await gateway.queue.pause();
  sides.push({ label: 'gateway api', pid: gateway.api!.child.pid!, client: createPublishClient(gateway.apiUrl) });
  for (const [mode, label] of [
    ['insert+enqueue', 'node:http + insert + enqueue'],
    ['insert', 'node:http + insert'],
    ['http', 'node:http alone'],
  ] as const) {
    const child = await startBenchChild('bench/bare-api.ts', `bare api (${mode})`, {
      BARE_MODE: mode,
      DATABASE_URL: bare.databaseUrl,
      BARE_ENDPOINT_ID: endpoint!.id,
      REDIS_URL,
      QUEUE_PREFIX: bare.queuePrefix,
    });
    children.push(child);
    sides.push({ label, pid: child.pid, client: createPublishClient(`http://127.0.0.1:${String(child.ready.port)}`) });
  }
  // Warm-up (connections, JIT, plans): as many as a measured phase sends, at most 500.
  const warmup = Math.min(500, Math.ceil(rate * seconds));
  for (const side of sides) await closedLoop(warmup, 16, (index) => side.client.publish('bench.warmup', index));
  console.log(`publishing ${rate}/s for ${seconds} s per side, ${rounds} round(s)`);
  const costs = new Map<string, Cost[]>(sides.map((side) => [side.label, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const side of sides) {
      const cost = await measure(side);
      if (cost.ok !== cost.sent) throw new Error(`${side.label}: ${cost.sent - cost.ok} of ${cost.sent} publishes failed`);
      costs.get(side.label)!.push(cost);
      console.log(`round ${round} ${describe(side.label, cost)}`);
    }
  }
  for (const side of sides) {
    const all = costs.get(side.label)!;
    const middle = (pick: (cost: Cost) => number) => median(all.map(pick));
    console.log(`median  ${describe(side.label, { serverUs: middle((c) => c.serverUs), postgresUs: middle((c) => c.postgresUs), redisUs: middle((c) => c.redisUs), wakes: middle((c) => c.wakes), p50: middle((c) => c.p50), p99: middle((c) => c.p99) })}`);
  }
} finally {
  await Promise.all(sides.map((side) => side.client.close()));
  await Promise.all(children.map((child) => child.stop()));
  for (const environment of environments) await environment.close();
}
