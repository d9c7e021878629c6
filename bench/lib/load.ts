/**
 * Load generators: publishing through the API (open loop at a constant rate, closed loop at a fixed
 * concurrency, autocannon for the maximum rate), and the bare loops that measure each scenario's
 * physical limit beside it (postgres.js inserts, undici POSTs).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import postgres, { type Sql } from 'postgres';
import { Agent, request } from 'undici';
import { DEFAULT_TENANT_ID } from '../../src/db/index.ts';
import { cpuMeter, pidsNamed } from './cpu.ts';
import { ADMIN_TOKEN } from './environment.ts';
import { createRawHttpClient } from './raw-http.ts';
import { nowMs, summarize, type Summary } from './stats.ts';

const PAYLOAD_BYTES = 300;

/** A ~300-byte order-like payload. */
export function makePayload(sequence: number): Record<string, unknown> {
  const base = { orderId: `ord_${sequence}`, amount: 1999, currency: 'EUR', customer: { id: `cus_${sequence % 997}`, tier: 'gold' } };
  return { ...base, note: 'x'.repeat(Math.max(0, PAYLOAD_BYTES - JSON.stringify(base).length - 12)) };
}

export type Published = { ok: true; eventId: string; sentAt: number; endedAt: number } | { ok: false; error: string; sentAt: number; endedAt: number };

export type PublishClient = { publish(type: string, sequence: number): Promise<Published>; close(): Promise<void> };

/**
 * Publishes events through `POST /v1/events` over keep-alive connections, with the lean client of
 * `raw-http.ts` (the load generator's CPU is taken from the machine the gateway is measured on).
 */
export function createPublishClient(apiUrl: string): PublishClient {
  const client = createRawHttpClient(apiUrl, { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' });
  return {
    async publish(type, sequence) {
      const body = JSON.stringify({ type, payload: makePayload(sequence) });
      const sentAt = nowMs();
      try {
        const response = await client.post('/v1/events', body);
        const endedAt = nowMs();
        if (response.status !== 202) return { ok: false, error: `HTTP ${response.status}: ${response.body.slice(0, 120)}`, sentAt, endedAt };
        const parsed = JSON.parse(response.body) as { id?: unknown };
        if (typeof parsed.id !== 'string') return { ok: false, error: '202 without an id', sentAt, endedAt };
        return { ok: true, eventId: parsed.id, sentAt, endedAt };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), sentAt, endedAt: nowMs() };
      }
    },
    close: () => client.close(),
  };
}

/** Counts of each error message, for the JSON result. */
export function errorKinds(results: readonly Published[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const result of results) if (!result.ok) kinds[result.error] = (kinds[result.error] ?? 0) + 1;
  return kinds;
}

export type OpenLoopResult = {
  rate: number;
  seconds: number;
  sent: number;
  ok: number;
  errors: Record<string, number>;
  achievedRate: number;
  /** From the intended send time to the 202: a slow answer cannot delay later sends (no coordinated omission). */
  latencyMs: Summary;
  maxSendLagMs: number;
  /** Per request: intended send time (epoch ms) and result. */
  results: { intendedAt: number; result: Published }[];
};

/**
 * Sends `rate` requests per second for `seconds` on a fixed schedule, whatever the answers' latency
 * (open loop): requests go out at their due time even while earlier ones are unanswered. The first
 * `warmupSeconds` run at the same rate and are not counted: every phase is measured in its steady
 * state, not in the ramp from idle (caches, pools and JIT catching up with a new rate).
 */
export async function openLoop(
  rate: number,
  seconds: number,
  send: (index: number) => Promise<Published>,
  warmupSeconds = 0,
  /** Called as the first measured request is sent (after the warm-up), to start a meter beside it. */
  onMeasured?: () => void,
): Promise<OpenLoopResult> {
  const warmup = Math.round(rate * warmupSeconds);
  const total = warmup + Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const results: { intendedAt: number; result: Published }[] = new Array(total);
  const inFlight: Promise<void>[] = [];
  let fired = 0;
  let maxLag = 0;
  const start = nowMs();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = nowMs();
      while (fired < total && start + fired * interval <= now) {
        const index = fired++;
        const intendedAt = start + index * interval;
        if (index === warmup) onMeasured?.();
        if (index >= warmup) maxLag = Math.max(maxLag, now - intendedAt);
        inFlight.push(send(index).then((result) => void (results[index] = { intendedAt, result })));
      }
      if (fired >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(2, start + fired * interval - nowMs())));
    };
    tick();
  });
  const firedFor = nowMs() - start;
  await Promise.all(inFlight);
  const measured = results.slice(warmup);
  const all = measured.map((entry) => entry.result);
  return {
    rate,
    seconds,
    sent: measured.length,
    ok: all.filter((result) => result.ok).length,
    errors: errorKinds(all),
    achievedRate: total / Math.max(0.001, firedFor / 1000),
    latencyMs: summarize(measured.map((entry) => entry.result.endedAt - entry.intendedAt)),
    maxSendLagMs: maxLag,
    results: measured,
  };
}

/** Runs `total` calls with `concurrency` in flight (closed loop); returns the results in order. */
export async function closedLoop<T>(total: number, concurrency: number, call: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const index = next++;
        results[index] = await call(index);
      }
    }),
  );
  return results;
}

export type MaxRateResult = { connections: number; seconds: number; accepted: number; perSecond: number; non2xx: number; errors: number; latencyP99Ms: number };

/** The API's maximum publish rate: autocannon with `connections` keep-alive connections for `seconds`. */
export async function maxPublishRate(apiUrl: string, type: string, connections: number, seconds: number): Promise<MaxRateResult> {
  const result = await autocannon({
    url: `${apiUrl}/v1/events`,
    method: 'POST',
    connections,
    duration: seconds,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type, payload: makePayload(1) }),
  });
  return {
    connections,
    seconds: result.duration,
    accepted: result['2xx'],
    perSecond: result['2xx'] / result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
    latencyP99Ms: result.latency.p99,
  };
}

export type BareRate = { concurrency: number; poolSize: number; seconds: number; count: number; perSecond: number; cpuPercent: Record<string, number> };

/** Slices of a rate measured apart, as one: counts and seconds summed, CPU shares weighted by time. */
export function pooledRate<T extends { seconds: number; count: number; cpuPercent: Record<string, number> }>(slices: readonly T[]): { seconds: number; count: number; perSecond: number; cpuPercent: Record<string, number> } {
  const seconds = slices.reduce((sum, slice) => sum + slice.seconds, 0);
  const count = slices.reduce((sum, slice) => sum + slice.count, 0);
  const cpuPercent: Record<string, number> = {};
  for (const slice of slices)
    for (const [name, percent] of Object.entries(slice.cpuPercent)) cpuPercent[name] = (cpuPercent[name] ?? 0) + (percent * slice.seconds) / Math.max(seconds, 1e-9);
  for (const name of Object.keys(cpuPercent)) cpuPercent[name] = Math.round(cpuPercent[name]! * 10) / 10;
  return { seconds, count, perSecond: seconds > 0 ? count / seconds : 0, cpuPercent };
}

/**
 * The rows of one publish, written the bare way: an event and one pending delivery to `endpointId`,
 * in one statement (its own transaction); returns the delivery's id.
 */
export async function bareInsert(sql: Sql, endpointId: string, payloadJson: string): Promise<string> {
  const [delivery] = await sql<{ id: string }[]>`
    with ev as (
      insert into events (tenant_id, type, payload, correlation_id)
      values (${DEFAULT_TENANT_ID}, 'bench.bare', ${payloadJson}::jsonb, ${randomUUID()})
      returning id, tenant_id, created_at
    )
    insert into deliveries (tenant_id, event_id, endpoint_id, next_attempt_at, created_at, updated_at)
    select tenant_id, id, ${endpointId}, created_at, created_at, created_at from ev
    returning id`;
  if (!delivery) throw new Error('the bare insert wrote no delivery');
  return delivery.id;
}

export type BareInserter = {
  /** Inserts for `seconds` with every loop busy; the Postgres processes' CPU is measured meanwhile. */
  run(seconds: number): Promise<BareRate>;
  close(): Promise<void>;
};

/**
 * The Postgres limit for publishing: one event row and one delivery row per statement (its own
 * transaction), `concurrency` loops on a pool of `poolSize` connections. Opened (and warmed up:
 * connections, plans) once, so it can be run in slices between the gateway's.
 */
export async function createBareInserter(databaseUrl: string, endpointId: string, concurrency: number, poolSize: number): Promise<BareInserter> {
  const sql = postgres(databaseUrl, { max: poolSize, onnotice: () => {} });
  let sequence = 0;
  const insert = () => bareInsert(sql, endpointId, JSON.stringify(makePayload(sequence++)));
  try {
    await closedLoop(Math.min(200, concurrency * 4), concurrency, insert);
  } catch (error) {
    await sql.end({ timeout: 2 });
    throw error;
  }
  return {
    async run(seconds) {
      let count = 0;
      const meter = cpuMeter({ postgres: () => pidsNamed('postgres') });
      const start = nowMs();
      const until = start + seconds * 1000;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (nowMs() < until) {
            await insert();
            count += 1;
          }
        }),
      );
      const elapsed = (nowMs() - start) / 1000;
      return { concurrency, poolSize, seconds: elapsed, count, perSecond: count / elapsed, cpuPercent: meter.stop() };
    },
    close: () => sql.end({ timeout: 2 }),
  };
}

/** A delivery-like signed request: the envelope body and Standard Webhooks headers. */
export function signedRequest(secret: Buffer, sequence: number): { headers: Record<string, string>; body: string } {
  const webhookId = randomUUID();
  const timestamp = Math.floor(Date.now() / 1000);
  const body = `{"id":${JSON.stringify(randomUUID())},"type":"bench.bare","timestamp":${JSON.stringify(new Date().toISOString())},"data":${JSON.stringify(makePayload(sequence))}}`;
  const mac = createHmac('sha256', secret).update(`${webhookId}.${timestamp}.${body}`).digest();
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': `v1,${mac.toString('base64')}`,
      'x-webhook-id': webhookId,
      'x-webhook-timestamp': String(timestamp),
      'x-webhook-signature': `sha256=${mac.toString('hex')}`,
      'x-correlation-id': randomUUID(),
    },
  };
}

/** The HTTP limit for delivering: `total` signed POSTs to `url` by a bare undici loop with `concurrency` in flight. */
export async function barePostRate(url: string, total: number, concurrency: number): Promise<{ concurrency: number; count: number; seconds: number; perSecond: number }> {
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 });
  const secret = randomBytes(32);
  const post = async (sequence: number) => {
    const { headers, body } = signedRequest(secret, sequence);
    const response = await request(url, { method: 'POST', headers, body, dispatcher: agent });
    await response.body.text();
    if (response.statusCode !== 200) throw new Error(`bare POST answered ${response.statusCode}`);
  };
  try {
    await closedLoop(Math.min(500, concurrency * 4), concurrency, post); // warm-up: connections, JIT
    const start = nowMs();
    await closedLoop(total, concurrency, post);
    const seconds = (nowMs() - start) / 1000;
    return { concurrency, count: total, seconds, perSecond: total / seconds };
  } finally {
    await agent.close();
  }
}

/** Open-loop bare POSTs at `rate` per second: the floor under publish-to-receipt latency. */
export async function barePostLatency(url: string, rate: number, seconds: number): Promise<Summary> {
  const agent = new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000 });
  const secret = randomBytes(32);
  try {
    const result = await openLoop(rate, seconds, async (index) => {
      const { headers, body } = signedRequest(secret, index);
      const sentAt = nowMs();
      const response = await request(url, { method: 'POST', headers, body, dispatcher: agent });
      await response.body.text();
      return { ok: true, eventId: '', sentAt, endedAt: nowMs() };
    });
    return result.latencyMs;
  } finally {
    await agent.close();
  }
}
