/**
 * Webhook receiver for the benchmarks, run as its own process (see bench/lib/receiver-process.ts) so
 * it does not share an event loop with the gateway or the load generator.
 *
 * Environment: RECEIVER_PORTS (how many ports to listen on, default 1; each is a separate origin),
 * RECEIVER_MODE `ok` (answer 200 at once) or `hang` (accept the request and never answer).
 * It records, per request, the `webhook-id` header, the event id and type from the JSON body and the
 * arrival time (epoch ms), and answers commands from its parent over IPC: count, receipts, reset, drop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Command = { id: number; cmd: 'count' | 'receipts' | 'reset' | 'drop'; type?: string };

const mode = process.env.RECEIVER_MODE === 'hang' ? 'hang' : 'ok';
const portCount = Math.max(1, Number(process.env.RECEIVER_PORTS ?? 1));

let requests = 0;
let duplicates = 0;
let badBodies = 0;
let webhookIds: string[] = [];
let eventIds: string[] = [];
let types: string[] = [];
let arrivals: number[] = [];
let seen = new Set<string>();
let byType = new Map<string, number>();

function record(webhookId: string, body: string): void {
  const at = performance.timeOrigin + performance.now();
  requests += 1;
  let eventId = '';
  let type = '';
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'id' in parsed && typeof parsed.id === 'string') eventId = parsed.id;
    if (typeof parsed === 'object' && parsed !== null && 'type' in parsed && typeof parsed.type === 'string') type = parsed.type;
  } catch {
    // counted below
  }
  if (!eventId || !webhookId) badBodies += 1;
  if (seen.has(webhookId)) {
    duplicates += 1;
    return;
  }
  seen.add(webhookId);
  webhookIds.push(webhookId);
  eventIds.push(eventId);
  types.push(type);
  arrivals.push(at);
  byType.set(type, (byType.get(type) ?? 0) + 1);
}

const servers: Server[] = [];
for (let i = 0; i < portCount; i++) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const header = req.headers['webhook-id'];
      record(typeof header === 'string' ? header : '', Buffer.concat(chunks).toString('utf8'));
      if (mode === 'ok') res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok');
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  servers.push(server);
}

await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
const ports = servers.map((server) => (server.address() as AddressInfo).port);

process.on('message', (message: Command) => {
  const reply = (body: Record<string, unknown>) => process.send?.({ id: message.id, ...body });
  switch (message.cmd) {
    case 'count':
      return reply({ requests, distinct: webhookIds.length, duplicates, badBodies, byType: Object.fromEntries(byType) });
    case 'receipts': {
      if (message.type === undefined) return reply({ webhookIds, eventIds, arrivals });
      const keep = types.flatMap((type, index) => (type === message.type ? [index] : []));
      return reply({ webhookIds: keep.map((i) => webhookIds[i]), eventIds: keep.map((i) => eventIds[i]), arrivals: keep.map((i) => arrivals[i]) });
    }
    case 'reset':
      requests = duplicates = badBodies = 0;
      webhookIds = [];
      eventIds = [];
      types = [];
      arrivals = [];
      seen = new Set();
      byType = new Map();
      return reply({});
    case 'drop':
      // Ends every open connection (a hanging receiver's requests fail at once on the sender's side).
      for (const server of servers) server.closeAllConnections();
      return reply({});
  }
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.send?.({ ready: true, ports });
