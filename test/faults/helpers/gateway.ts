import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import postgres from 'postgres';
import { Agent, fetch } from 'undici';
import { DELIVERY_QUEUE } from '../../../src/publisher/index.ts';
import { ADMIN_TOKEN } from '../../helpers/gateway.ts';
import { startGatewayProcess, waitStarted, type GatewayProcess } from '../../helpers/processes.ts';
import { waitFor } from '../../helpers/wait.ts';

/** A gateway child process with its API URL (api and all roles). */
export type RunningProcess = GatewayProcess & { url: string | undefined };

/** Starts `src/main.ts <role>` as a child process and waits until it is up. */
export async function startProcess(role: 'api' | 'worker' | 'all', env: Record<string, string>): Promise<RunningProcess> {
  const proc = startGatewayProcess(role, env);
  try {
    const url = await waitStarted(proc);
    return Object.assign(proc, { url });
  } catch (error) {
    await proc.stop('SIGKILL');
    throw new Error(`${role} did not start: ${proc.output.join('').slice(-2000)}`, { cause: error });
  }
}

// A pool of its own so that a killed API leaves no half-dead keep-alive sockets in the global one.
const client = new Agent({ connections: 64, keepAliveTimeout: 1_000 });

/** POSTs JSON as admin; resolves to the status and body, or to status 0 when no response came. */
export async function post(url: string, path: string, body: unknown): Promise<{ status: number; body: unknown; error?: string }> {
  try {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
      dispatcher: client,
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  } catch (error) {
    return { status: 0, body: undefined, error: error instanceof Error ? `${error.message} ${String(error.cause ?? '')}` : String(error) };
  }
}

/** Registers an endpoint and returns its id and signing secret. */
export async function createEndpoint(url: string, target: string, eventTypes: string[]): Promise<{ id: string; secret: string }> {
  const response = await post(url, '/v1/endpoints', { url: target, eventTypes });
  if (response.status !== 201) throw new Error(`endpoint not created: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { id: string; secret: string };
}

export type Burst = {
  /** Ids of events answered 202 (committed), in order of the answers. */
  accepted: string[];
  /** How many requests got each status (0: no response). */
  statuses: Record<number, number>;
  /** The first few failures other than 503 (e.g. requests without a response), for diagnosis. */
  failures: string[];
};

/**
 * Publishes `count` events of `type` with `concurrency` requests in flight; `during(sent)` is called
 * after each answer (with its status), e.g. to inject a fault once part of the burst is out. Bounded by `count`.
 */
export async function publishBurst(
  url: () => string,
  options: { count: number; type: string; concurrency: number; during?: (answered: number, status: number) => void | Promise<void>; pauseMs?: number },
): Promise<Burst> {
  const burst: Burst = { accepted: [], statuses: {}, failures: [] };
  let next = 0;
  let answered = 0;
  async function lane(): Promise<void> {
    while (next < options.count) {
      const i = next++;
      const response = await post(url(), '/v1/events', { type: options.type, payload: { i } });
      burst.statuses[response.status] = (burst.statuses[response.status] ?? 0) + 1;
      if (response.status === 202) burst.accepted.push((response.body as { id: string }).id);
      else if (response.status !== 503 && burst.failures.length < 10) burst.failures.push(`${response.status} ${response.error ?? JSON.stringify(response.body)}`);
      answered++;
      await options.during?.(answered, response.status);
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  return burst;
}

/** Resident memory of a process in MB (Linux), or undefined once it has exited. */
export function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Environment shared by the fault scenarios: no API rate limit, fast reconciling, short job locks. */
export function faultOverrides(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    API_RATE_LIMIT: '0',
    WORKER_CONCURRENCY: '50',
    JOB_LOCK_DURATION: '2s',
    BREAKER_FAILURES: '1000',
    RECONCILE_INTERVAL: '250ms',
    RECONCILE_GRACE: '1s',
    LOG_LEVEL: 'info',
    ...overrides,
  };
}

/** Where the deliveries stand, in Postgres and in the queue: printed when a scenario times out. */
export async function describeState(databaseUrl: string, redisUrl: string, prefix: string): Promise<string> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const queue = new Queue(DELIVERY_QUEUE, { connection: { url: redisUrl, maxRetriesPerRequest: 1 }, prefix });
  try {
    const statuses = await sql<{ status: string; attempts: number; n: number; overdue: number }[]>`
      select status, attempt_count as attempts, count(*)::int as n,
        count(*) filter (where next_attempt_at < now())::int as overdue
      from deliveries group by 1, 2 order by 1, 2`;
    const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'completed', 'failed', 'paused', 'prioritized');
    return `deliveries ${JSON.stringify(statuses)} queue ${JSON.stringify(counts)}`;
  } finally {
    await sql.end();
    await queue.close();
  }
}

/** `waitFor` that prints where the deliveries stand before failing. */
export async function waitForDelivery(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  state: { databaseUrl: string; redisUrl: string; prefix: string; processes?: RunningProcess[] },
): Promise<void> {
  try {
    await waitFor(what, check, timeoutMs, 200);
  } catch (error) {
    const logs = (state.processes ?? []).map((p) => p.output.join('').split('\n').slice(-15).join('\n')).join('\n---\n');
    throw new Error(`${(error as Error).message}\n${await describeState(state.databaseUrl, state.redisUrl, state.prefix)}\n${logs}`);
  }
}
