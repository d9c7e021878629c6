/**
 * Pipeline benchmark: publish latency, publish-to-receipt latency and drain throughput of an
 * in-process gateway (role `all`) on a fresh Postgres database and its own Redis queue prefix.
 *
 *   npx tsx bench/pipeline.ts            (or: npm run bench)
 *
 * Everything (load generator, gateway, receiver) shares ONE Node process and event loop, so the
 * numbers are a lower bound on what a dedicated gateway process does; they are meant for comparing
 * revisions on the same machine. Results are printed and written to bench/results/<ISO time>.json.
 *
 * Knobs (environment):
 *   BENCH_RATE1=200  BENCH_SECONDS1=10    phase 1 of the open-loop publish (events/s, seconds)
 *   BENCH_RATE2=1000 BENCH_SECONDS2=5     phase 2 of the open-loop publish
 *   BENCH_EVENTS=5000                     events published in the drain scenario
 *   BENCH_CONCURRENCY=64                  publishes in flight in the drain scenario
 *   BENCH_DRAIN_TIMEOUT=60                seconds to wait for outstanding deliveries
 *   BENCH_PAYLOAD_BYTES=300               approximate payload size
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres   (maintenance database)
 *   BENCH_REDIS_URL=redis://127.0.0.1:6379
 *   WORKER_CONCURRENCY=100, DATABASE_POOL_SIZE, RECONCILE_INTERVAL, RECONCILE_GRACE, DELIVERY_TIMEOUT
 *                                         passed through to the gateway config when set
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config.ts';
import { migrateDatabase } from '../src/db/index.ts';
import { startGateway, type Gateway } from '../src/gateway.ts';
import { createLogger } from '../src/logger.ts';

// ---------------------------------------------------------------------------------------------
// Settings

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return value;
}

const settings = {
  rate1: envNumber('BENCH_RATE1', 200),
  seconds1: envNumber('BENCH_SECONDS1', 10),
  rate2: envNumber('BENCH_RATE2', 1000),
  seconds2: envNumber('BENCH_SECONDS2', 5),
  drainEvents: Math.floor(envNumber('BENCH_EVENTS', 5000)),
  drainConcurrency: Math.max(1, Math.floor(envNumber('BENCH_CONCURRENCY', 64))),
  drainTimeoutMs: envNumber('BENCH_DRAIN_TIMEOUT', 60) * 1000,
  payloadBytes: Math.floor(envNumber('BENCH_PAYLOAD_BYTES', 300)),
  workerConcurrency: Math.floor(envNumber('WORKER_CONCURRENCY', 100)),
  maintenanceUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
};

const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const PASS_THROUGH = ['DATABASE_POOL_SIZE', 'RECONCILE_INTERVAL', 'RECONCILE_GRACE', 'RECONCILE_BATCH', 'DELIVERY_TIMEOUT'] as const;

// ---------------------------------------------------------------------------------------------
// Statistics

type Summary = { count: number; p50: number; p95: number; p99: number; max: number; mean: number };

function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  const sum = sorted.reduce((total, value) => total + value, 0);
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN, mean: sum / sorted.length };
}

const round = (value: number, digits = 2): number => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);
const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const mb = (bytes: number): number => round(bytes / 1024 / 1024, 1);

// ---------------------------------------------------------------------------------------------
// Memory and event-loop sampling

class Sampler {
  peakRss = 0;
  private phasePeak = 0;
  private phaseStartedAt = performance.now();
  private phaseCpu = process.cpuUsage();
  private readonly timer: NodeJS.Timeout;
  readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
    this.loopDelay.enable();
  }

  private sample(): void {
    const rss = process.memoryUsage().rss;
    if (rss > this.peakRss) this.peakRss = rss;
    if (rss > this.phasePeak) this.phasePeak = rss;
  }

  /**
   * Peak RSS, event-loop delay and this process's CPU use (100% = one core busy) since the
   * previous call, then resets them.
   */
  phase(): { peakRssMb: number; loopDelayP99Ms: number; loopDelayMaxMs: number; cpuPercent: number; loadAverage1m: number } {
    this.sample();
    const cpu = process.cpuUsage(this.phaseCpu);
    const wallMs = performance.now() - this.phaseStartedAt;
    const result = {
      peakRssMb: mb(this.phasePeak),
      loopDelayP99Ms: round(this.loopDelay.percentile(99) / 1e6),
      loopDelayMaxMs: round(this.loopDelay.max / 1e6),
      cpuPercent: round(wallMs > 0 ? ((cpu.user + cpu.system) / 1000 / wallMs) * 100 : 0, 0),
      loadAverage1m: round(os.loadavg()[0] ?? 0),
    };
    this.phasePeak = 0;
    this.loopDelay.reset();
    this.phaseCpu = process.cpuUsage();
    this.phaseStartedAt = performance.now();
    return result;
  }

  stop(): void {
    clearInterval(this.timer);
    this.loopDelay.disable();
  }
}

// ---------------------------------------------------------------------------------------------
// Receiver: answers 200 at once, records when each event id arrived

type Receiver = {
  url: string;
  /** Request count, including unparseable ones. */
  requests(): number;
  /** First receipt time (performance.now()) per event id. */
  firstReceipt: Map<string, number>;
  /** Receipts per event id beyond the first (duplicate deliveries). */
  duplicates(): number;
  /** Receipt time per webhook-id header (the delivery id). */
  byWebhookId: Map<string, number>;
  badBodies(): number;
  close(): Promise<void>;
};

async function startReceiver(): Promise<Receiver> {
  const firstReceipt = new Map<string, number>();
  const byWebhookId = new Map<string, number>();
  let requests = 0;
  let duplicates = 0;
  let badBodies = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const at = performance.now();
      requests += 1;
      const webhookId = req.headers['webhook-id'];
      if (typeof webhookId === 'string' && !byWebhookId.has(webhookId)) byWebhookId.set(webhookId, at);
      let eventId: string | undefined;
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && typeof parsed.id === 'string') eventId = parsed.id;
      } catch {
        // counted below
      }
      if (eventId === undefined) badBodies += 1;
      else if (firstReceipt.has(eventId)) duplicates += 1;
      else firstReceipt.set(eventId, at);
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' });
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests: () => requests,
    firstReceipt,
    duplicates: () => duplicates,
    byWebhookId,
    badBodies: () => badBodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// Publishing client

type PublishResult = { ok: true; startedAt: number; endedAt: number; eventId: string } | { ok: false; startedAt: number; endedAt: number; error: string };

function makePayload(sequence: number): Record<string, unknown> {
  const base = { orderId: `ord_${sequence}`, amount: 1999, currency: 'EUR', customer: { id: `cus_${sequence % 997}`, tier: 'gold' } };
  const used = JSON.stringify(base).length + 12;
  return { ...base, note: 'x'.repeat(Math.max(0, settings.payloadBytes - used)) };
}

function createPublishClient(gatewayUrl: string): { publish(sequence: number): Promise<PublishResult>; close(): Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections: 256, pipelining: 1 });
  const url = `${gatewayUrl}/v1/events`;
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  return {
    async publish(sequence) {
      const body = JSON.stringify({ type: 'bench.created', payload: makePayload(sequence) });
      const startedAt = performance.now();
      try {
        const response = await request(url, { method: 'POST', headers, body, dispatcher: agent });
        const text = await response.body.text();
        const endedAt = performance.now();
        if (response.statusCode !== 202) return { ok: false, startedAt, endedAt, error: `HTTP ${response.statusCode}: ${text.slice(0, 200)}` };
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed !== 'object' || parsed === null || !('id' in parsed) || typeof parsed.id !== 'string')
          return { ok: false, startedAt, endedAt, error: `202 without an id: ${text.slice(0, 200)}` };
        return { ok: true, startedAt, endedAt, eventId: parsed.id };
      } catch (error) {
        return { ok: false, startedAt, endedAt: performance.now(), error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
      }
    },
    close: () => agent.close(),
  };
}

function errorKinds(results: readonly PublishResult[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const result of results) if (!result.ok) kinds[result.error] = (kinds[result.error] ?? 0) + 1;
  return kinds;
}

// ---------------------------------------------------------------------------------------------
// Waiting for deliveries

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until every event id has been received (or the timeout); returns how many are missing. */
async function awaitReceipts(receiver: Receiver, eventIds: readonly string[], timeoutMs: number): Promise<{ missing: number; waitedMs: number }> {
  const started = performance.now();
  let missing = eventIds.length;
  for (;;) {
    missing = 0;
    for (const id of eventIds) if (!receiver.firstReceipt.has(id)) missing += 1;
    if (missing === 0 || performance.now() - started > timeoutMs) break;
    await sleep(20);
  }
  return { missing, waitedMs: performance.now() - started };
}

// ---------------------------------------------------------------------------------------------
// Scenario 1 + 2: open-loop publishing at a fixed rate, publish-to-receipt latency

type OpenLoopPhase = {
  rate: number;
  seconds: number;
  scheduled: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  achievedRate: number;
  maxScheduleLagMs: number;
  publishLatencyMs: Summary;
  /** Publish latency measured from the intended send time (includes generator lag; no coordinated omission). */
  publishLatencyFromScheduleMs: Summary;
  endToEndMs: Summary;
  undelivered: number;
  waitForDeliveriesMs: number;
  process: ReturnType<Sampler['phase']>;
};

async function openLoopPhase(
  client: ReturnType<typeof createPublishClient>,
  receiver: Receiver,
  sampler: Sampler,
  rate: number,
  seconds: number,
  firstSequence: number,
): Promise<OpenLoopPhase> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const inFlight: Promise<void>[] = [];
  const results: PublishResult[] = [];
  const intended: number[] = [];
  let maxLag = 0;
  const start = performance.now();
  let fired = 0;
  sampler.phase();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (fired < total && start + fired * interval <= now) {
        const index = fired;
        const due = start + index * interval;
        maxLag = Math.max(maxLag, now - due);
        fired += 1;
        inFlight.push(
          client.publish(firstSequence + index).then((result) => {
            results[index] = result;
            intended[index] = due;
          }),
        );
      }
      if (fired >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(5, start + fired * interval - performance.now())));
    };
    tick();
  });
  const firedFor = performance.now() - start;
  await Promise.all(inFlight);
  const okResults = results.filter((result): result is Extract<PublishResult, { ok: true }> => result.ok);
  const eventIds = okResults.map((result) => result.eventId);
  const wait = await awaitReceipts(receiver, eventIds, settings.drainTimeoutMs);
  const endToEnd: number[] = [];
  for (const result of okResults) {
    const at = receiver.firstReceipt.get(result.eventId);
    if (at !== undefined) endToEnd.push(at - result.startedAt);
  }
  return {
    rate,
    seconds,
    scheduled: total,
    ok: okResults.length,
    errors: total - okResults.length,
    errorKinds: errorKinds(results),
    achievedRate: round(total / (firedFor / 1000), 1),
    maxScheduleLagMs: round(maxLag),
    publishLatencyMs: summarize(results.map((result) => result.endedAt - result.startedAt)),
    publishLatencyFromScheduleMs: summarize(results.map((result, index) => result.endedAt - (intended[index] ?? result.startedAt))),
    endToEndMs: summarize(endToEnd),
    undelivered: wait.missing,
    waitForDeliveriesMs: round(wait.waitedMs, 0),
    process: sampler.phase(),
  };
}

// ---------------------------------------------------------------------------------------------
// Scenario 3: drain throughput

type DrainResult = {
  events: number;
  concurrency: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  publishSeconds: number;
  publishPerSecond: number;
  publishLatencyMs: Summary;
  deliverySeconds: number;
  deliveriesPerSecond: number;
  drainAfterLastPublishMs: number;
  endToEndMs: Summary;
  undelivered: number;
  process: ReturnType<Sampler['phase']>;
};

async function drainScenario(client: ReturnType<typeof createPublishClient>, receiver: Receiver, sampler: Sampler, firstSequence: number): Promise<DrainResult> {
  const total = settings.drainEvents;
  const results: PublishResult[] = [];
  let next = 0;
  sampler.phase();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(settings.drainConcurrency, total) }, async () => {
      while (next < total) {
        const index = next;
        next += 1;
        results[index] = await client.publish(firstSequence + index);
      }
    }),
  );
  const okResults = results.filter((result): result is Extract<PublishResult, { ok: true }> => result.ok);
  const lastAccepted = okResults.reduce((latest, result) => Math.max(latest, result.endedAt), start);
  const publishMs = performance.now() - start;
  const eventIds = okResults.map((result) => result.eventId);
  const wait = await awaitReceipts(receiver, eventIds, settings.drainTimeoutMs);
  let lastReceipt = start;
  const endToEnd: number[] = [];
  for (const result of okResults) {
    const at = receiver.firstReceipt.get(result.eventId);
    if (at === undefined) continue;
    lastReceipt = Math.max(lastReceipt, at);
    endToEnd.push(at - result.startedAt);
  }
  const deliveryMs = lastReceipt - start;
  return {
    events: total,
    concurrency: settings.drainConcurrency,
    ok: okResults.length,
    errors: total - okResults.length,
    errorKinds: errorKinds(results),
    publishSeconds: round(publishMs / 1000, 3),
    publishPerSecond: round(okResults.length / (publishMs / 1000), 1),
    publishLatencyMs: summarize(results.map((result) => result.endedAt - result.startedAt)),
    deliverySeconds: round(deliveryMs / 1000, 3),
    deliveriesPerSecond: round(endToEnd.length / (deliveryMs / 1000), 1),
    drainAfterLastPublishMs: round(Math.max(0, lastReceipt - lastAccepted), 0),
    endToEndMs: summarize(endToEnd),
    undelivered: wait.missing,
    process: sampler.phase(),
  };
}

// ---------------------------------------------------------------------------------------------
// Setup and cleanup helpers

async function createDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `wh_bench_${randomBytes(5).toString('hex')}`;
  const url = new URL(settings.maintenanceUrl);
  url.pathname = `/${name}`;
  const drop = async () => {
    const admin = postgres(settings.maintenanceUrl, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await admin.end({ timeout: 1 });
    }
  };
  try {
    await migrateDatabase(url.toString());
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }
  return { name, url: url.toString(), drop };
}

async function deleteRedisPrefix(prefix: string): Promise<number> {
  const redis = new Redis(settings.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  let deleted = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}

async function registerEndpoint(gatewayUrl: string, receiverUrl: string): Promise<string> {
  const response = await fetch(`${gatewayUrl}/v1/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiverUrl, eventTypes: ['bench.*'] }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`registering the endpoint failed: HTTP ${response.status} ${text}`);
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || !('id' in parsed) || typeof parsed.id !== 'string')
    throw new Error(`endpoint response without an id: ${text}`);
  return parsed.id;
}

/** Committed + rolled-back transactions in the bench database so far (Postgres flushes these stats about once a second). */
async function transactionCount(gateway: Gateway): Promise<number> {
  const [row] = await gateway.database.sql<{ total: string }[]>`
    select (xact_commit + xact_rollback)::text as total from pg_stat_database where datname = current_database()`;
  return Number(row?.total ?? 0);
}

function gitRevision(): string {
  try {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head}-dirty` : head;
  } catch {
    return 'unknown';
  }
}

async function deliveryStatuses(gateway: Gateway): Promise<Record<string, number>> {
  const rows = await gateway.database.sql<{ status: string; count: number }[]>`
    select status::text as status, count(*)::int as count from deliveries group by status order by status`;
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}

async function attemptStats(gateway: Gateway): Promise<{ attempts: number; failedAttempts: number; deadLetters: number }> {
  const [attempts] = await gateway.database.sql<{ total: number; failed: number }[]>`
    select count(*)::int as total, count(*) filter (where status_code is null or status_code not between 200 and 299)::int as failed
    from delivery_attempts`;
  const [dead] = await gateway.database.sql<{ total: number }[]>`select count(*)::int as total from webhook_failures`;
  return { attempts: attempts?.total ?? 0, failedAttempts: attempts?.failed ?? 0, deadLetters: dead?.total ?? 0 };
}

/** Waits until Postgres has recorded every delivery (the attempt is recorded after the receiver answers). */
async function awaitRecorded(gateway: Gateway, expected: number, timeoutMs: number): Promise<Record<string, number>> {
  const started = performance.now();
  for (;;) {
    const statuses = await deliveryStatuses(gateway);
    if ((statuses.succeeded ?? 0) >= expected || performance.now() - started > timeoutMs) return statuses;
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// Printing

function latencyRow(label: string, summary: Summary, extra = ''): string {
  return `  ${label.padEnd(34)} n=${String(summary.count).padStart(6)}  p50=${fmt(summary.p50).padStart(8)}  p95=${fmt(summary.p95).padStart(8)}  p99=${fmt(
    summary.p99,
  ).padStart(8)}  max=${fmt(summary.max).padStart(8)} ms${extra}`;
}

function processLine(stats: ReturnType<Sampler['phase']>): string {
  return `peak RSS=${stats.peakRssMb} MB  node CPU=${stats.cpuPercent}%  loop delay p99=${stats.loopDelayP99Ms} ms max=${stats.loopDelayMaxMs} ms  load(1m)=${stats.loadAverage1m}`;
}

function printPhase(label: string, phase: OpenLoopPhase): void {
  console.log(`\n${label}: ${phase.rate} events/s for ${phase.seconds}s (open loop)`);
  console.log(
    `  scheduled=${phase.scheduled} ok=${phase.ok} errors=${phase.errors} achieved=${phase.achievedRate}/s max schedule lag=${fmt(phase.maxScheduleLagMs)} ms`,
  );
  console.log(latencyRow('publish latency (send -> 202)', phase.publishLatencyMs));
  console.log(latencyRow('publish latency (intended -> 202)', phase.publishLatencyFromScheduleMs));
  console.log(latencyRow('end-to-end (send -> receipt)', phase.endToEndMs));
  console.log(
    `  undelivered=${phase.undelivered} (waited ${phase.waitForDeliveriesMs} ms after the last 202)  ${processLine(phase.process)}`,
  );
  if (phase.errors > 0) console.log(`  errors: ${JSON.stringify(phase.errorKinds)}`);
}

function printDrain(drain: DrainResult): void {
  console.log(`\nScenario 3: drain ${drain.events} events, ${drain.concurrency} publishes in flight`);
  console.log(`  ok=${drain.ok} errors=${drain.errors}`);
  console.log(`  publish throughput   ${fmt(drain.publishPerSecond).padStart(9)} events/s   (${drain.publishSeconds}s)`);
  console.log(`  delivery throughput  ${fmt(drain.deliveriesPerSecond).padStart(9)} deliveries/s (first publish -> last receipt: ${drain.deliverySeconds}s)`);
  console.log(`  drain after last 202 ${String(drain.drainAfterLastPublishMs).padStart(9)} ms`);
  console.log(latencyRow('publish latency (send -> 202)', drain.publishLatencyMs));
  console.log(latencyRow('end-to-end (send -> receipt)', drain.endToEndMs));
  console.log(
    `  undelivered=${drain.undelivered}  ${processLine(drain.process)}`,
  );
  if (drain.errors > 0) console.log(`  errors: ${JSON.stringify(drain.errorKinds)}`);
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const startedAt = new Date();
  const sampler = new Sampler();
  const cleanups: { label: string; run: () => Promise<unknown> }[] = [];
  const problems: string[] = [];
  let exitCode = 0;
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryMb: mb(os.totalmem()),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((value) => round(value)),
    revision: gitRevision(),
  };
  console.log(`webhook-gateway pipeline benchmark  ${startedAt.toISOString()}`);
  console.log(`machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.totalMemoryMb} MB, ${machine.platform}, node ${machine.node}`);
  console.log(`revision: ${machine.revision}  load average at start: ${machine.loadAverageAtStart.join(' ')}`);
  if ((machine.loadAverageAtStart[0] ?? 0) > machine.cpus * 0.5)
    console.log('WARNING: the machine is already busy; other processes will skew these numbers.');

  try {
    const database = await createDatabase();
    cleanups.unshift({ label: `drop database ${database.name}`, run: () => database.drop() });

    const queuePrefix = `bench${randomBytes(5).toString('hex')}`;
    cleanups.unshift({ label: `delete Redis keys ${queuePrefix}:*`, run: () => deleteRedisPrefix(queuePrefix) });

    const receiver = await startReceiver();
    cleanups.unshift({ label: 'close receiver', run: () => receiver.close() });

    const env: Record<string, string | undefined> = {
      DATABASE_URL: database.url,
      REDIS_URL: settings.redisUrl,
      QUEUE_PREFIX: queuePrefix,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_TOKEN,
      LOG_LEVEL: 'silent',
      WORKER_CONCURRENCY: String(settings.workerConcurrency),
      // The receiver listens on 127.0.0.1.
      ALLOW_PRIVATE_TARGETS: 'true',
    };
    for (const name of PASS_THROUGH) if (process.env[name]) env[name] = process.env[name];
    const config = loadConfig(env);
    const gateway = await startGateway({ config, role: 'all', logger: createLogger('silent') });
    cleanups.unshift({ label: 'close gateway', run: () => gateway.close() });
    if (!gateway.url) throw new Error('the gateway did not start its API');

    const client = createPublishClient(gateway.url);
    cleanups.unshift({ label: 'close publish client', run: () => client.close() });
    await registerEndpoint(gateway.url, receiver.url);

    const settingsUsed = {
      ...settings,
      maintenanceUrl: undefined,
      databasePoolSize: config.databasePoolSize,
      reconcileIntervalMs: config.reconcileIntervalMs,
      reconcileGraceMs: config.reconcileGraceMs,
    };
    console.log(
      `gateway: ${gateway.url}  worker concurrency=${config.workerConcurrency}  db pool=${config.databasePoolSize}  database=${database.name}  prefix=${queuePrefix}`,
    );
    console.log('NOTE: load generator, gateway (api + worker) and receiver share one Node process.');

    // Warm-up: connections, JIT, prepared statements. Not measured.
    const warmup = await Promise.all(Array.from({ length: 50 }, (_, index) => client.publish(index)));
    const warmIds = warmup.flatMap((result) => (result.ok ? [result.eventId] : []));
    if (warmIds.length !== warmup.length) throw new Error(`warm-up publishes failed: ${JSON.stringify(errorKinds(warmup))}`);
    const warm = await awaitReceipts(receiver, warmIds, 15_000);
    if (warm.missing > 0) throw new Error(`warm-up: ${warm.missing} of ${warmIds.length} events were never delivered`);
    let sequence = warmup.length;
    const transactionsBefore = await transactionCount(gateway);

    const phases: OpenLoopPhase[] = [];
    if (settings.rate1 > 0 && settings.seconds1 > 0) {
      const phase = await openLoopPhase(client, receiver, sampler, settings.rate1, settings.seconds1, sequence);
      sequence += phase.scheduled;
      phases.push(phase);
      printPhase('Scenario 1+2, phase A', phase);
    }
    if (settings.rate2 > 0 && settings.seconds2 > 0) {
      const phase = await openLoopPhase(client, receiver, sampler, settings.rate2, settings.seconds2, sequence);
      sequence += phase.scheduled;
      phases.push(phase);
      printPhase('Scenario 1+2, phase B', phase);
    }
    const drain = settings.drainEvents > 0 ? await drainScenario(client, receiver, sampler, sequence) : undefined;
    if (drain) printDrain(drain);

    // Cross-check with Postgres: every accepted event should end as one succeeded delivery.
    const accepted = warmIds.length + phases.reduce((total, phase) => total + phase.ok, 0) + (drain?.ok ?? 0);
    const statuses = await awaitRecorded(gateway, accepted, 10_000);
    const attempts = await attemptStats(gateway);
    await sleep(1_200); // let Postgres flush its per-backend statistics
    const measuredEvents = accepted - warmIds.length;
    const transactions = (await transactionCount(gateway)) - transactionsBefore;
    const totals = {
      acceptedEvents: accepted,
      receiverRequests: receiver.requests(),
      distinctEventsReceived: receiver.firstReceipt.size,
      distinctWebhookIds: receiver.byWebhookId.size,
      duplicateReceipts: receiver.duplicates(),
      unparseableBodies: receiver.badBodies(),
      deliveryStatuses: statuses,
      ...attempts,
      postgresTransactions: transactions,
      postgresTransactionsPerEvent: measuredEvents > 0 ? round(transactions / measuredEvents) : NaN,
      peakRssMb: mb(sampler.peakRss),
    };
    console.log('\nTotals');
    console.log(
      `  accepted=${totals.acceptedEvents} received(distinct events)=${totals.distinctEventsReceived} receiver requests=${totals.receiverRequests} duplicates=${totals.duplicateReceipts} bad bodies=${totals.unparseableBodies}`,
    );
    console.log(
      `  deliveries in Postgres: ${JSON.stringify(statuses)}  attempts=${attempts.attempts} (non-2xx/errored ${attempts.failedAttempts})  dead letters=${attempts.deadLetters}`,
    );
    console.log(
      `  Postgres transactions during the scenarios: ${transactions} (~${fmt(totals.postgresTransactionsPerEvent, 2)} per event, approximate; includes reconciler polls)`,
    );
    console.log(`  peak RSS (whole run, sampled every 100 ms): ${totals.peakRssMb} MB`);

    const totalErrors = phases.reduce((total, phase) => total + phase.errors, 0) + (drain?.errors ?? 0);
    const undelivered = phases.reduce((total, phase) => total + phase.undelivered, 0) + (drain?.undelivered ?? 0);
    if (totalErrors > 0) problems.push(`${totalErrors} publish requests did not return 202`);
    if (undelivered > 0) problems.push(`${undelivered} accepted events were not delivered within ${settings.drainTimeoutMs} ms`);
    if (totals.duplicateReceipts > 0) problems.push(`${totals.duplicateReceipts} duplicate deliveries received`);
    if ((statuses.succeeded ?? 0) !== accepted) problems.push(`Postgres shows ${statuses.succeeded ?? 0} succeeded deliveries for ${accepted} accepted events`);
    if (problems.length > 0) console.log(`\nPROBLEMS:\n  ${problems.join('\n  ')}`);

    const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
    await mkdir(resultsDir, { recursive: true });
    const file = `${resultsDir}${startedAt.toISOString().replace(/:/g, '-')}.json`;
    const report = { startedAt: startedAt.toISOString(), machine, settings: settingsUsed, openLoop: phases, drain, totals, problems };
    await writeFile(file, `${JSON.stringify(report, roundReplacer, 2)}\n`);
    console.log(`\nresults written to ${file}`);
  } catch (error) {
    exitCode = 1;
    console.error('benchmark failed:', error);
  } finally {
    for (const cleanup of cleanups) {
      try {
        await cleanup.run();
      } catch (error) {
        exitCode = 1;
        console.error(`cleanup step "${cleanup.label}" failed:`, error);
      }
    }
    sampler.stop();
  }
  return exitCode;
}

function roundReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? round(value, 3) : value;
}

const code = await main();
process.exitCode = code;
// Anything left open (should be nothing) must not keep the process alive.
setTimeout(() => {
  const handles = process.getActiveResourcesInfo();
  console.error(`process still alive after cleanup; active resources: ${handles.join(', ')}`);
  process.exit(code);
}, 5_000).unref();
