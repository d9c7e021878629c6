/**
 * The benchmark's lean HTTP client (bench/lib/raw-http.ts) against a real Node HTTP server: what it
 * measures is only as good as how it reads responses.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRawHttpClient, type RawHttpClient } from '../bench/lib/raw-http.ts';

let server: Server | undefined;
let client: RawHttpClient | undefined;
let connections = 0;
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

async function start(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  connections = 0;
  seen.length = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await client?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server?.closeAllConnections();
  client = undefined;
  server = undefined;
});

describe('raw HTTP client (bench load generator)', () => {
  it('sends the method, path, headers and body, reads a body split across packets, and reuses the connection', async () => {
    const url = await start((_req, body, res) => {
      const answer = Buffer.from(JSON.stringify({ echo: body, note: 'ünïcödé ✓' }));
      res.writeHead(202, { 'content-type': 'application/json', 'content-length': String(answer.length) });
      // Split inside a multi-byte character: the client must decode the whole body, not each packet.
      const cut = answer.indexOf(Buffer.from('ö')) + 1;
      res.write(answer.subarray(0, cut));
      setTimeout(() => res.end(answer.subarray(cut)), 20);
    });
    client = createRawHttpClient(url, { authorization: 'Bearer t0k', 'content-type': 'application/json' });
    const first = await client.post('/v1/events', '{"type":"a.b","payload":"é"}');
    const second = await client.post('/v1/events', '{"n":2}');
    expect(first.status).toBe(202);
    expect(JSON.parse(first.body)).toEqual({ echo: '{"type":"a.b","payload":"é"}', note: 'ünïcödé ✓' });
    expect(JSON.parse(second.body)).toEqual({ echo: '{"n":2}', note: 'ünïcödé ✓' });
    expect(seen.map((request) => [request.method, request.url, request.headers.authorization, request.headers['content-type']])).toEqual([
      ['POST', '/v1/events', 'Bearer t0k', 'application/json'],
      ['POST', '/v1/events', 'Bearer t0k', 'application/json'],
    ]);
    expect(connections).toBe(1);
  });

  it('opens a connection per concurrent request, and a new one after the server said close', async () => {
    const url = await start((req, _body, res) => {
      const close = req.url === '/close';
      res.writeHead(200, { 'content-length': '2', ...(close ? { connection: 'close' } : {}) }).end('ok');
    });
    client = createRawHttpClient(url, {});
    const answers = await Promise.all([client.post('/a', 'x'), client.post('/b', 'y'), client.post('/c', 'z')]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(connections).toBe(3);
    // Each of the three idle connections answers once more, with `connection: close`.
    for (let i = 0; i < 3; i++) expect(await client.post('/close', '')).toEqual({ status: 200, body: 'ok' });
    const after = await client.post('/d', '');
    expect(after).toEqual({ status: 200, body: 'ok' });
    expect(connections).toBe(4);
  });

  it('drops a connection on which the server spoke unasked, and goes on on a new one', async () => {
    const url = await start((req, _body, res) => {
      const socket = res.socket;
      res.writeHead(200, { 'content-length': '2' }).end('ok');
      // Node's own timeout answer on an idle keep-alive connection looks like this.
      if (req.url === '/then-408') setTimeout(() => socket?.write('HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n'), 20);
    });
    client = createRawHttpClient(url, {});
    expect(await client.post('/then-408', '')).toEqual({ status: 200, body: 'ok' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await client.post('/next', '')).toEqual({ status: 200, body: 'ok' });
    expect(connections).toBe(2);
  });

  it('rejects what it does not speak (a chunked body) and a connection that drops mid-response', async () => {
    const url = await start((req, _body, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('part');
        res.end('rest');
        return;
      }
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part of it');
      setTimeout(() => res.socket?.destroy(), 10);
    });
    client = createRawHttpClient(url, {});
    await expect(client.post('/chunked', '')).rejects.toThrow(/unsupported response head/);
    await expect(client.post('/drop', '')).rejects.toThrow(/closed before the response|ECONNRESET/);
  });
});
