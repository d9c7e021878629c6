/**
 * A bare publish server for `bench/api-cost.ts`, run as its own process: node:http with no framework,
 * answering `POST /v1/events` with 202 and a small JSON body, the way the gateway's api would, doing
 * only what BARE_MODE says:
 * - `http`: read the body and parse it;
 * - `insert`: and write the event and its delivery in one statement (postgres.js, as the bare insert limit);
 * - `insert+enqueue`: and queue the delivery job with the gateway's own enqueue (src/publisher/queue.ts)
 *   after the commit, without waiting for it (as the gateway's publisher does).
 * Environment: BARE_MODE, DATABASE_URL, BARE_ENDPOINT_ID, REDIS_URL, QUEUE_PREFIX. Sends `{ ready, port }`
 * over IPC once listening.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { createDeliveryQueue } from '../src/publisher/queue.ts';
import { bareInsert } from './lib/load.ts';

const MODES = ['http', 'insert', 'insert+enqueue'] as const;
type Mode = (typeof MODES)[number];
const mode = process.env.BARE_MODE as Mode;
if (!MODES.includes(mode)) throw new Error(`BARE_MODE must be one of ${MODES.join(', ')}`);
const endpointId = process.env.BARE_ENDPOINT_ID ?? '';
const sql = mode === 'http' ? undefined : postgres(process.env.DATABASE_URL ?? '', { max: 20, onnotice: () => {} });
const redis = mode === 'insert+enqueue' ? new Redis(process.env.REDIS_URL ?? '', { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
const queue = redis ? createDeliveryQueue({ connection: redis, prefix: process.env.QUEUE_PREFIX ?? 'bare' }) : undefined;
await queue?.queue.waitUntilReady();

function answer(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function publish(text: string): Promise<{ id: string; type: string }> {
  const body = JSON.parse(text) as { type?: unknown; payload?: unknown };
  if (typeof body.type !== 'string' || body.payload === undefined) throw new Error('type and payload are required');
  const id = randomUUID();
  if (!sql) return { id, type: body.type };
  const deliveryId = await bareInsert(sql, endpointId, JSON.stringify(body.payload));
  void queue?.enqueue([{ deliveryId, series: 1, attempt: 1, endpointId }]).catch(() => {});
  return { id, type: body.type };
}

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    publish(Buffer.concat(chunks).toString('utf8')).then(
      (event) => answer(response, 202, { id: event.id, eventId: event.id, type: event.type, deliveries: 1 }),
      (error: unknown) => answer(response, 400, { error: 'bad_request', message: error instanceof Error ? error.message : String(error) }),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ ready: true, port: (server.address() as AddressInfo).port }));
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void Promise.all([sql?.end({ timeout: 1 }), queue?.close()]).finally(() => {
    redis?.disconnect();
    process.exit(0);
  });
});
