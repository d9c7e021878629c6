import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../receiver/index.ts';

/** What a demo receiver has seen so far. */
export type ReceiverStats = { received: number; accepted: number; rejected: number; verified: number; badSignature: number };

export type DemoReceiver = {
  name: string;
  url: string;
  stats: ReceiverStats;
  /** `true`: answers 503 to everything (an outage); `false`: verifies and answers 200. */
  down: boolean;
  /** The endpoint's signing secret, once registered, so the receiver can verify what it gets. */
  secret: string | undefined;
  close(): Promise<void>;
};

/**
 * Starts a receiver on 127.0.0.1 that behaves like a customer's webhook handler: it verifies the
 * signature with `verifyWebhook` and answers 200 after a short processing delay, or 503 while `down`.
 */
export async function startDemoReceiver(name: string, options: { down: boolean; latencyMs: [number, number] }): Promise<DemoReceiver> {
  const stats: ReceiverStats = { received: 0, accepted: 0, rejected: 0, verified: 0, badSignature: 0 };
  const receiver: DemoReceiver = {
    name,
    url: '',
    stats,
    down: options.down,
    secret: undefined,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      stats.received += 1;
      const [min, max] = options.latencyMs;
      const delay = min + Math.random() * (max - min);
      if (receiver.down) {
        stats.rejected += 1;
        setTimeout(() => res.writeHead(503, { 'content-type': 'text/plain' }).end('service unavailable (demo outage)'), delay);
        return;
      }
      const secret = receiver.secret;
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(', ') : value]));
      const verified = secret === undefined ? Promise.reject(new Error('no secret yet')) : verifyWebhook({ headers, body, secrets: secret });
      verified.then(
        () => {
          stats.verified += 1;
          stats.accepted += 1;
          setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delay);
        },
        () => {
          stats.badSignature += 1;
          stats.rejected += 1;
          res.writeHead(401, { 'content-type': 'text/plain' }).end('bad signature');
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}/webhooks/${name}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
