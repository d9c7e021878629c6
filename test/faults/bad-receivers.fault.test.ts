import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import { deleteRedisPrefix, REDIS_URL, testEnv } from '../helpers/gateway.ts';
import { createEndpoint, faultOverrides, publishBurst, rssMb, startProcess, waitForDelivery, type RunningProcess } from './helpers/gateway.ts';
import { startIdempotentReceiver, summarize } from './helpers/receiver.ts';

const BAD_EVENTS = 10;
const HEALTHY_EVENTS = 300;
const HUGE_BODY = 50 * 1024 * 1024;
const RSS_LIMIT_MB = 400;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let env: Record<string, string>;
const processes: RunningProcess[] = [];
const servers: { close(): void }[] = [];

beforeAll(async () => {
  database = await createTestDatabase('fault_bad_receivers');
  // One second per attempt, three attempts (then dead), 50 deliveries in flight.
  env = testEnv(database.url, faultOverrides({ DELIVERY_TIMEOUT: '1s', RETRY_SCHEDULE: '200ms,200ms', WORKER_CONCURRENCY: '50' }));
});
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  for (const server of servers) server.close();
  await deleteRedisPrefix(env.QUEUE_PREFIX!);
  await database?.drop();
});

/** A raw TCP server whose every connection is handed to `onSocket`; returns its URL. */
async function tcpReceiver(onSocket: (socket: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Answers 200 with a 50 MB body, written as fast as the client reads; counts the bytes that left. */
async function hugeReceiver(): Promise<{ url: string; requests: number; bytesSent: number }> {
  const state = { url: '', requests: 0, bytesSent: 0 };
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const server = createHttpServer((req, res) => {
    state.requests++;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(HUGE_BODY) });
    let left = HUGE_BODY;
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        left -= chunk.length;
        state.bytesSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (left <= 0) res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ close: () => (server.closeAllConnections(), server.close()) });
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

describe('bad receivers', () => {
  it('are recorded attempt by attempt, cost bounded memory, and do not hold up a healthy endpoint', async () => {
    const api = await startProcess('api', env);
    processes.push(api);
    const healthy = await startIdempotentReceiver();
    // Every webhook's odd-numbered requests fail: half of all requests are 500s.
    const flapping = await startIdempotentReceiver((_id, copy) => (copy % 2 === 1 ? { status: 500 } : {}));
    const slow = await startIdempotentReceiver(() => ({ delayMs: 3_000 }));
    servers.push(healthy, flapping, slow);
    // Cuts the connection in the middle of the response head.
    const reset = await tcpReceiver((socket) =>
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Ty', () => socket.resetAndDestroy())),
    );
    // Accepts the connection, never reads the request, never answers.
    const deaf = await tcpReceiver((socket) => socket.pause());
    const huge = await hugeReceiver();

    const ids: Record<string, string> = {};
    for (const [name, url] of Object.entries({ healthy: healthy.url, flapping: flapping.url, slow: slow.url, reset, deaf, huge: huge.url })) {
      const endpoint = await createEndpoint(api.url!, url, [`bad.${name}`]);
      ids[name] = endpoint.id;
      if (name === 'healthy') healthy.secrets.push(endpoint.secret);
      if (name === 'flapping') flapping.secrets.push(endpoint.secret);
      if (name === 'slow') slow.secrets.push(endpoint.secret);
    }
    const worker = await startProcess('worker', env);
    processes.push(worker);
    const baselineRss = rssMb(worker.child.pid)!;
    let maxRss = baselineRss;
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssMb(worker.child.pid) ?? 0)), 50);

    try {
      // The bad endpoints' events go first, so they hold worker slots while the healthy burst arrives.
      const bad = await Promise.all(
        ['flapping', 'slow', 'reset', 'deaf', 'huge'].map((name) =>
          publishBurst(() => api.url!, { count: BAD_EVENTS, type: `bad.${name}`, concurrency: 5 }),
        ),
      );
      const started = Date.now();
      const burst = await publishBurst(() => api.url!, { count: HEALTHY_EVENTS, type: 'bad.healthy', concurrency: 10 });
      const state = { databaseUrl: database.url, redisUrl: REDIS_URL, prefix: env.QUEUE_PREFIX!, processes };
      await waitForDelivery('every healthy event delivered', () => burst.accepted.every((id) => healthy.processed.has(id)), 30_000, state);
      const healthyMs = Date.now() - started;

      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        const settled = async () =>
          (await sql<{ n: number }[]>`select count(*)::int as n from deliveries where status in ('pending', 'failed')`)[0]!.n === 0;
        await waitForDelivery('every delivery settled (succeeded or dead)', settled, 60_000, state);
        const attempts = await sql<{ endpoint_id: string; status: string; error_code: string | null; status_code: number | null; n: number }[]>`
          select d.endpoint_id, d.status::text as status, a.error_code, a.status_code, count(*)::int as n
          from delivery_attempts a join deliveries d on d.id = a.delivery_id
          group by 1, 2, 3, 4`;
        const kinds = (name: string) =>
          Object.fromEntries(
            attempts
              .filter((row) => row.endpoint_id === ids[name])
              .map((row) => [`${row.status}:${row.error_code ?? `ok`}${row.status_code ? `:${row.status_code}` : ''}`, row.n]),
          );
        // Slower than the timeout, and the receiver that never reads: timeouts, dead after three attempts.
        expect(kinds('slow')).toEqual({ 'dead:timeout': 3 * BAD_EVENTS });
        expect(kinds('deaf')).toEqual({ 'dead:timeout': 3 * BAD_EVENTS });
        // A connection reset in the middle of the response is a network error.
        expect(kinds('reset')).toEqual({ 'dead:network_error': 3 * BAD_EVENTS });
        // Flapping: the first request of each fails with 500, the second succeeds.
        expect(kinds('flapping')).toEqual({ 'succeeded:http_status:500': BAD_EVENTS, 'succeeded:ok:200': BAD_EVENTS });
        // 50 MB answers: success on the status, only the first 4 KiB kept, and only a little of each body read.
        expect(kinds('huge')).toEqual({ 'succeeded:ok:200': BAD_EVENTS });
        const [kept] = await sql<{ longest: number }[]>`
          select max(length(response_body))::int as longest from delivery_attempts a join deliveries d on d.id = a.delivery_id
          where d.endpoint_id = ${ids.huge!}`;
        expect(kept?.longest).toBeLessThanOrEqual(4096);
        expect(huge.bytesSent).toBeLessThan((HUGE_BODY * BAD_EVENTS) / 10);
        expect(maxRss).toBeLessThan(RSS_LIMIT_MB);

        const flappingAccepted = bad[0]!.accepted;
        summarize('bad receivers: flapping 500s', flappingAccepted, flapping, { failedRequests: BAD_EVENTS });
        const summary = summarize('bad receivers: healthy endpoint beside them', burst.accepted, healthy, {
          deliveredAllInMs: healthyMs,
          workerRssMb: `${Math.round(baselineRss)}->${Math.round(maxRss)} (limit ${RSS_LIMIT_MB})`,
          hugeBodyBytesSent: huge.bytesSent,
          bad: { slow: kinds('slow'), deaf: kinds('deaf'), reset: kinds('reset'), huge: kinds('huge') },
        });
        expect(summary.lost).toBe(0);
        expect(summary.processedTwice).toBe(0);
        expect(summary.wire).toBe(HEALTHY_EVENTS);
        expect(flapping.processed.size).toBe(BAD_EVENTS);
        expect([...flapping.processed.values()].every((count) => count === 1)).toBe(true);
      } finally {
        await sql.end();
      }
    } finally {
      clearInterval(sampler);
    }
  }, 150_000);
});
