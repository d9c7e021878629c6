/**
 * Delivery drain benchmark: how fast a worker process empties a backlog of queued deliveries to one
 * fast local receiver (a separate process), with the circuit breaker on and off.
 *
 *   npx tsx bench/drain.ts            (BENCH_EVENTS=5000 WORKER_CONCURRENCY=100 by default)
 *
 * The deliveries are committed and queued first; the clock starts when the worker starts, and stops
 * when the receiver has counted every request. Prints a table; writes bench/results/drain-<time>.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { DEFAULT_TENANT_ID } from '../src/db/index.ts';
import { startGateway } from '../src/gateway.ts';
import { createLogger } from '../src/logger.ts';
import { publishEvent } from '../src/publisher/index.ts';
import { createSecretBox } from '../src/secrets/index.ts';
import { createTestDatabase } from '../test/helpers/database.ts';
import { deleteRedisPrefix } from '../test/helpers/gateway.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
const CONCURRENCY = process.env.WORKER_CONCURRENCY ?? '100';
// Secrets sealed at rest, as in production, so opening them is part of what is measured.
const SECRETS_KEY = randomBytes(32).toString('base64');

async function startReceiverProcess(): Promise<{ child: ChildProcess; port: number; count: () => number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/receiver.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let count = 0;
  let port = 0;
  await new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (line.startsWith('listening ')) {
          port = Number(line.slice(10));
          resolve();
        } else if (line.startsWith('count ')) count = Number(line.slice(6));
      }
    });
  });
  return { child, port, count: () => count };
}

async function drain(breakerEnabled: boolean): Promise<{ breaker: string; deliveries: number; seconds: number; perSecond: number; rssMb: number }> {
  const database = await createTestDatabase(`drain_${breakerEnabled ? 'on' : 'off'}`);
  const prefix = `bench${randomBytes(4).toString('hex')}`;
  const receiver = await startReceiverProcess();
  const env = {
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    WORKER_CONCURRENCY: CONCURRENCY,
    BREAKER_ENABLED: String(breakerEnabled),
    ALLOW_PRIVATE_TARGETS: 'true',
    SECRETS_KEY: SECRETS_KEY,
  };
  // Commit the backlog with the api role's publisher path (no worker yet), then queue it.
  const api = await startGateway({ config: loadConfig({ ...env, PORT: '0' }), role: 'api', logger: createLogger('silent') });
  const sql = api.database.sql;
  const [endpoint] = await sql<{ id: string }[]>`
    insert into endpoints (tenant_id, url) values (${DEFAULT_TENANT_ID}, ${`http://127.0.0.1:${receiver.port}/hook`}) returning id`;
  const sealed = createSecretBox({ key: SECRETS_KEY }).seal(`whsec_${randomBytes(32).toString('base64')}`);
  await sql`insert into endpoint_secrets (tenant_id, endpoint_id, secret) values (${DEFAULT_TENANT_ID}, ${endpoint!.id}, ${sealed})`;
  const jobs: { deliveryId: string; series: number; attempt: number }[] = [];
  for (let i = 0; i < EVENTS; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, EVENTS - i) }, (_, j) =>
        publishEvent(api.database.db, { tenantId: DEFAULT_TENANT_ID, type: 'bench.drain', payload: { n: i + j, pad: 'x'.repeat(300) } }, { notify: false }),
      ),
    );
    for (const event of batch) for (const delivery of event.deliveries) jobs.push({ deliveryId: delivery.id, series: 1, attempt: 1 });
  }
  await api.queue.enqueue(jobs);
  await api.close();

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const started = performance.now();
  const worker = await startGateway({ config: loadConfig(env), role: 'worker', logger: createLogger('silent') });
  while (receiver.count() < jobs.length) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await worker.close();
  receiver.child.kill('SIGTERM');
  await deleteRedisPrefix(prefix);
  await database.drop();
  return {
    breaker: breakerEnabled ? 'on' : 'off',
    deliveries: jobs.length,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(jobs.length / seconds),
    rssMb: Math.round(peakRss / 1024 / 1024),
  };
}

type Result = Awaited<ReturnType<typeof drain>>;
const results: Result[] = [];
// Alternate the modes so warm-up and machine noise hit both alike.
for (const enabled of [false, true, false, true]) results.push(await drain(enabled));
console.table(results);
const best = (mode: string) => Math.max(...results.filter((r) => r.breaker === mode).map((r) => r.perSecond));
console.log(`deliveries/s (best of 2): breaker on ${best('on')}, breaker off ${best('off')}; ${os.cpus().length} cpus, node ${process.version}`);
await mkdir('bench/results', { recursive: true });
await writeFile(`bench/results/drain-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, JSON.stringify({ events: EVENTS, concurrency: CONCURRENCY, results }, null, 2));
