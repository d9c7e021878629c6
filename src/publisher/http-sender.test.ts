import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../clock.ts';
import { createHttpSender, type HttpSender } from './http-sender.ts';
import { createTargetGuard } from './target-guard.ts';

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

let handler: Handler = (_request, response) => response.end('ok');
let server: Server;
let base: string;
const sockets = new Set<Socket>();
let closedSockets = 0;
let openedSockets = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, response, Buffer.concat(chunks).toString()));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    openedSockets += 1;
    socket.on('close', () => {
      sockets.delete(socket);
      closedSockets += 1;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const guard = createTargetGuard({ allowPrivateTargets: true, allowedCidrs: [], httpsOnly: false });
const senders: HttpSender[] = [];
function sender(timeoutMs = 2_000, responseBodyLimit = 64): HttpSender {
  const created = createHttpSender({ timeoutMs, responseBodyLimit, clock: systemClock, guard });
  senders.push(created);
  return created;
}
afterEach(async () => {
  for (const created of senders.splice(0)) await created.close();
  for (const socket of sockets) socket.destroy();
});

const post = (url: string, body = '{"a":1}') => ({ url, headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' }, body });

describe('http sender', () => {
  it('POSTs the body with its headers and the user agent, and keeps the answer', async () => {
    let seen: { method?: string; path?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    handler = (request, response, body) => {
      seen = { method: request.method, path: request.url, headers: request.headers, body };
      response.writeHead(202, { 'content-type': 'text/plain' }).end('accepted');
    };
    const outcome = await sender().send(post(`${base}/hooks/in?tenant=7`, '{"ok":true}'));
    expect(outcome).toMatchObject({ ok: true, status: 202, responseBody: 'accepted' });
    expect(seen).toMatchObject({ method: 'POST', path: '/hooks/in?tenant=7', body: '{"ok":true}' });
    expect(seen.headers).toMatchObject({ 'webhook-id': 'msg_1', 'content-type': 'application/json', 'user-agent': 'webhook-gateway/0.1' });
  });

  it('reads past 1xx informational responses to the real one', async () => {
    handler = (_request, response) => {
      response.writeEarlyHints({ link: '</style.css>; rel=preload' });
      response.end('done');
    };
    expect(await sender().send(post(`${base}/early`))).toMatchObject({ ok: true, status: 200, responseBody: 'done' });
  });

  it('keeps only the first bytes of a huge response and drops its connection without waiting for the rest', async () => {
    let written = 0;
    handler = (_request, response) => {
      response.writeHead(200);
      // An endless body: the attempt must end at the limit, not at the deadline.
      const timer = setInterval(() => {
        written += 16_384;
        response.write('x'.repeat(16_384));
      }, 1);
      response.on('close', () => clearInterval(timer));
    };
    const closedBefore = closedSockets;
    const started = Date.now();
    const outcome = await sender(5_000, 100).send(post(`${base}/huge`));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(outcome).toMatchObject({ ok: true, status: 200, responseBody: 'x'.repeat(100) });
    await expect.poll(() => closedSockets).toBeGreaterThan(closedBefore);
    expect(written).toBeGreaterThan(0);
  });

  it('times out when no answer comes within the deadline', async () => {
    handler = () => {};
    const started = Date.now();
    const outcome = await sender(300).send(post(`${base}/hang`));
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout', message: 'no response within 300 ms' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('judges by the status when the body stalls past the deadline, and says the body was not read', async () => {
    handler = (_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.write('partial');
    };
    const outcome = await sender(300).send(post(`${base}/stall`));
    expect(outcome).toMatchObject({ ok: false, reason: 'http_status', status: 500 });
    expect(outcome.ok ? '' : outcome.responseBody).toMatch(/^partial\[response body not read: /);
  });

  it('does not follow redirects, and names the target', async () => {
    let followed = false;
    handler = (request, response) => {
      if (request.url === '/elsewhere') followed = true;
      response.writeHead(302, { location: `${base}/elsewhere` }).end();
    };
    const outcome = await sender().send(post(`${base}/moved`));
    expect(outcome).toMatchObject({ ok: false, reason: 'redirect', status: 302 });
    expect(outcome.ok ? '' : outcome.message).toContain('/elsewhere');
    expect(followed).toBe(false);
  });

  it('keeps Retry-After of a 429 and a 503 only', async () => {
    handler = (request, response) => response.writeHead(request.url === '/busy' ? 429 : 500, { 'retry-after': '120' }).end();
    expect(await sender().send(post(`${base}/busy`))).toMatchObject({ ok: false, reason: 'http_status', status: 429, retryAfterMs: 120_000 });
    expect(await sender().send(post(`${base}/broken`))).toMatchObject({ ok: false, reason: 'http_status', status: 500, retryAfterMs: undefined });
  });

  it('reports a refused connection as a network error and an unusable URL as an invalid target', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await sender().send(post(`http://127.0.0.1:${port}/gone`))).toMatchObject({ ok: false, reason: 'network_error' });
    expect(await sender().send(post('not a url'))).toMatchObject({ ok: false, reason: 'invalid_target' });
  });

  it('keeps connections alive across attempts', async () => {
    handler = (_request, response) => response.end('ok');
    const client = sender();
    const before = openedSockets;
    for (let i = 0; i < 20; i++) expect(await client.send(post(`${base}/again`))).toMatchObject({ ok: true });
    // Twenty attempts one after another on one or two connections, not twenty.
    expect(openedSockets - before).toBeLessThanOrEqual(2);
  });
});
