import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryIdempotencyStore, verifyWebhook, WebhookVerificationError } from '../../../src/receiver/index.ts';

/** What the receiver does with one request, decided before it processes it. */
export type Behaviour = { status?: number; delayMs?: number; headers?: Record<string, string> };

export type IdempotentReceiver = {
  url: string;
  /** The endpoint's signing secrets; requests are verified against them. */
  secrets: string[];
  /** Every request that reached the receiver, in order of arrival: its webhook id, event id and time. */
  wire: { webhookId: string; eventId: string; at: number }[];
  /** How many times each event id was processed (the handler ran). */
  processed: Map<string, number>;
  /** Requests refused because their signature did not verify. */
  forged: number;
  close(): Promise<void>;
};

/**
 * A real HTTP receiver on 127.0.0.1 that verifies each webhook's signature and processes it at most
 * once per webhook id through the receiver library's idempotency store (copies of a processed
 * webhook are acknowledged without running the handler, a concurrent copy gets 409).
 * `behave` may delay or fail a request (then nothing is processed).
 */
export async function startIdempotentReceiver(
  behave: (webhookId: string, copy: number) => Behaviour = () => ({}),
): Promise<IdempotentReceiver> {
  const store = createMemoryIdempotencyStore();
  const copies = new Map<string, number>();
  const state: IdempotentReceiver = { url: '', secrets: [], wire: [], processed: new Map(), forged: 0, close: async () => {} };

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const webhookId = String(req.headers['webhook-id'] ?? '');
    const copy = (copies.get(webhookId) ?? 0) + 1;
    copies.set(webhookId, copy);
    const eventId = /"id":"([^"]+)"/.exec(body)?.[1] ?? '';
    state.wire.push({ webhookId, eventId, at: Date.now() });
    const behaviour = behave(webhookId, copy);
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.status !== undefined && behaviour.status !== 200) {
      res.writeHead(behaviour.status, { 'content-type': 'text/plain', ...behaviour.headers }).end('failing on purpose');
      return;
    }
    try {
      await verifyWebhook({ headers: req.headers, body, secrets: state.secrets });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      state.forged++;
      res.writeHead(error.httpStatus).end(error.code);
      return;
    }
    const claim = await store.claim(webhookId);
    if (claim === 'in_progress') {
      res.writeHead(409).end('in progress');
      return;
    }
    if (claim === 'claimed') {
      state.processed.set(eventId, (state.processed.get(eventId) ?? 0) + 1);
      await store.complete(webhookId);
    }
    res.writeHead(200).end(claim);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((error: unknown) => {
        res.writeHead(500).end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

export type FaultSummary = { accepted: number; delivered: number; wire: number; processedTwice: number; lost: number };

/**
 * Counts what happened to the accepted events at one receiver and prints the one-line summary every
 * fault scenario ends with.
 */
export function summarize(scenario: string, accepted: readonly string[], receiver: IdempotentReceiver, extra: Record<string, unknown> = {}): FaultSummary {
  const delivered = accepted.filter((id) => (receiver.processed.get(id) ?? 0) > 0).length;
  const processedTwice = [...receiver.processed.values()].filter((count) => count > 1).length;
  const summary = { accepted: accepted.length, delivered, wire: receiver.wire.length, processedTwice, lost: accepted.length - delivered };
  const more = Object.entries(extra).map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join('');
  console.log(
    `[fault] ${scenario}: accepted=${summary.accepted} delivered=${summary.delivered} requests at the wire=${summary.wire} ` +
      `processed twice=${summary.processedTwice} lost=${summary.lost}${more}`,
  );
  return summary;
}
