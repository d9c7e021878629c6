/**
 * One benchmark environment: a recreated Postgres database, its own Redis queue prefix, and the
 * gateway started as real processes from the production build (`node dist/main.js api|worker`, built by `npm run build`). Every scenario
 * gets a fresh one, so no scenario inherits another's rows, queues or warm caches.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { loadConfig, type Config } from '../../src/config.ts';
import { migrateDatabase } from '../../src/db/index.ts';
import { DELIVERY_QUEUE } from '../../src/publisher/index.ts';
import { deleteRedisPrefix } from '../../test/helpers/gateway.ts';
import { waitStarted, type GatewayProcess } from '../../test/helpers/processes.ts';

export const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAINTENANCE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Drops and recreates `name`, then applies the migrations; returns its URL. */
export async function recreateDatabase(name: string): Promise<string> {
  if (!/^\w+$/.test(name)) throw new Error(`unusable database name: ${name}`);
  const admin = postgres(MAINTENANCE_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end({ timeout: 1 });
  }
  const url = new URL(MAINTENANCE_URL);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  return url.toString();
}

/** Drops a database (cleanup after the run). */
export async function dropDatabase(name: string): Promise<void> {
  const admin = postgres(MAINTENANCE_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/** Resident memory of a process from /proc: current and peak (VmHWM), in MB. */
export function readRss(pid: number): { rssMb: number; hwmMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in seconds; NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** Linux reports /proc CPU times in clock ticks, 100 per second on every mainstream kernel configuration. */
const CLOCK_TICKS = 100;

/** Polls a process's RSS every `everyMs` until stopped; `peakMb` is the largest sample seen. */
export function sampleRss(pid: number, everyMs = 100): { stop(): { peakMb: number; hwmMb: number; samples: number } } {
  let peak = 0;
  let samples = 0;
  const take = () => {
    const rss = readRss(pid);
    if (!rss) return;
    samples += 1;
    peak = Math.max(peak, rss.rssMb);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { peakMb: peak, hwmMb: readRss(pid)?.hwmMb ?? NaN, samples };
    },
  };
}

export type ApiResponse = { status: number; body: unknown };

export type Environment = {
  databaseName: string;
  databaseUrl: string;
  queuePrefix: string;
  /** Settings handed to both gateway processes (on top of this process's environment). */
  env: Record<string, string>;
  /** The configuration the gateway processes run with (e.g. WORKER_CONCURRENCY set when running the bench). */
  config: Config;
  api: GatewayProcess | undefined;
  worker: GatewayProcess | undefined;
  apiUrl: string;
  /** A postgres.js client on the bench database (setup and checks only). */
  sql: postgres.Sql;
  queue: Queue;
  /** Starts the api and worker processes (after any setup done straight in Postgres). */
  startGateway(): Promise<void>;
  /** Calls the API as admin. */
  call(method: string, path: string, body?: unknown): Promise<ApiResponse>;
  /** Jobs not yet taken by a worker (waiting, paused, prioritized). */
  queuedJobs(): Promise<number>;
  /** Jobs waiting or being processed (delayed retries not counted). */
  busyJobs(): Promise<number>;
  close(): Promise<void>;
};

/**
 * Creates a fresh environment: database `databaseName` recreated, a new queue prefix. The gateway
 * processes start on `startGateway()`; `overrides` are added to their environment; with `cpuProfDir`
 * each writes a V8 CPU profile to `<cpuProfDir>/<role>/` when it exits.
 */
export async function createEnvironment(options: { databaseName: string; overrides?: Record<string, string>; cpuProfDir?: string | undefined }): Promise<Environment> {
  const databaseUrl = await recreateDatabase(options.databaseName);
  const queuePrefix = `bench${randomBytes(5).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: queuePrefix,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN,
    LOG_LEVEL: 'info',
    ALLOW_PRIVATE_TARGETS: 'true',
    // The benchmark measures the gateway, not the per-token rate limit.
    API_RATE_LIMIT: '0',
    SECRETS_KEY: randomBytes(32).toString('base64'),
    ...options.overrides,
  };
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(DELIVERY_QUEUE, { connection: redis, prefix: queuePrefix });
  const environment: Environment = {
    databaseName: options.databaseName,
    databaseUrl,
    queuePrefix,
    env,
    config: loadConfig({ ...process.env, ...env }),
    api: undefined,
    worker: undefined,
    apiUrl: '',
    sql,
    queue,
    async startGateway() {
      const profile = (role: string) => (options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}/${role}`] : []);
      const api = spawnGateway('api', env, profile('api'));
      const worker = spawnGateway('worker', env, profile('worker'));
      environment.api = api;
      environment.worker = worker;
      const [url] = await Promise.all([waitStarted(api), waitStarted(worker)]);
      if (!url) throw new Error(`the api process did not report its URL:\n${api.output.join('').slice(-2000)}`);
      environment.apiUrl = url;
    },
    async call(method, path, body) {
      const response = await fetch(`${environment.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    },
    async queuedJobs() {
      const counts = await queue.getJobCounts('waiting', 'paused', 'prioritized');
      return (counts.waiting ?? 0) + (counts.paused ?? 0) + (counts.prioritized ?? 0);
    },
    async busyJobs() {
      const counts = await queue.getJobCounts('waiting', 'paused', 'prioritized', 'active');
      return Object.values(counts).reduce((sum, count) => sum + count, 0);
    },
    async close() {
      await Promise.all([stopProcess(environment.api), stopProcess(environment.worker)]);
      await queue.close().catch(() => {});
      redis.disconnect();
      await sql.end({ timeout: 2 });
      await deleteRedisPrefix(queuePrefix);
      await dropDatabase(options.databaseName);
    },
  };
  return environment;
}

/**
 * The flags `npm start` runs the gateway with (package.json): source-mapped stacks, and a young
 * generation that stays at 16 MB instead of shrinking while idle (fewer scavenges when load returns),
 * and scavenges on the main thread alone (see the README, Performance: helper threads wait for cores
 * the other processes hold). `BENCH_NODE_FLAGS` adds more, e.g. to try a V8 setting.
 */
const GATEWAY_NODE_FLAGS = ['--enable-source-maps', '--min-semi-space-size=16', '--no-parallel-scavenge'];

/** `BENCH_LOG_DIR=dir` also writes each gateway process's output to `<dir>/<queue prefix>-<role>.log` (e.g. with `--trace-gc`). */
function logFile(role: string, env: Record<string, string>): NodeJS.WritableStream | undefined {
  const dir = process.env.BENCH_LOG_DIR;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  return createWriteStream(`${dir}/${env.QUEUE_PREFIX ?? 'gateway'}-${role}.log`, { flags: 'a' });
}

/** Starts `node [flags] dist/main.js <role>` (as `npm start` runs it) with `env`; its output is kept (diagnostics). */
function spawnGateway(role: 'api' | 'worker', env: Record<string, string>, nodeArgs: string[]): GatewayProcess {
  const child = spawn(process.execPath, [...GATEWAY_NODE_FLAGS, ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...nodeArgs, 'dist/main.js', role], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const file = logFile(role, env);
  child.once('exit', () => file?.end());
  const keep = (chunk: Buffer) => {
    file?.write(chunk);
    output.push(chunk.toString());
    if (output.length > 2_000) output.splice(0, 1_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return {
    child,
    output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill(signal);
      return (await exited)[0];
    },
  };
}

/** SIGTERM (graceful: in-flight deliveries finish), SIGKILL after 15 s. */
async function stopProcess(proc: GatewayProcess | undefined): Promise<void> {
  if (!proc) return;
  const stopped = proc.stop('SIGTERM');
  // Unref'd: the deadline must not keep a finished bench script alive for 15 s after the process exited.
  const late = setTimeout(() => proc.child.kill('SIGKILL'), 15_000);
  late.unref();
  await stopped;
  clearTimeout(late);
}

/** Transactions committed in the environment's database so far (`pg_stat_database`). */
export async function committedTransactions(environment: Environment): Promise<number> {
  const [row] = await environment.sql<{ n: number }[]>`select xact_commit::float8 as n from pg_stat_database where datname = current_database()`;
  return row?.n ?? NaN;
}

/** Registers an endpoint through the API; returns its id. */
export async function registerEndpoint(environment: Environment, url: string, eventTypes: string[]): Promise<string> {
  const response = await environment.call('POST', '/v1/endpoints', { url, eventTypes });
  const body = response.body as { id?: unknown } | undefined;
  if (response.status !== 201 || typeof body?.id !== 'string') throw new Error(`registering ${url} failed: HTTP ${response.status} ${JSON.stringify(response.body)}`);
  return body.id;
}
