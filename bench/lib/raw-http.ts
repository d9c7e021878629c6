/**
 * A lean HTTP/1.1 client for the load generator: keep-alive sockets, one request at a time on each,
 * the request written in one call and the response read by Content-Length. The load generator shares
 * the two cores with the gateway, Postgres, Redis and the receiver, so what it spends is taken from
 * what is measured: undici spent about 0.3 ms of CPU per publish (25-35 % of a core at 1,000/s);
 * this spends a fraction of that. It speaks only what the gateway answers (Content-Length bodies);
 * anything else is an error, never a guess.
 */
import { connect, type Socket } from 'node:net';

export type RawResponse = { status: number; body: string };

export type RawHttpClient = {
  /** POSTs `body` to `path`; resolves with the status and body, rejects on a socket or protocol error. */
  post(path: string, body: string): Promise<RawResponse>;
  close(): Promise<void>;
};

/** Sockets idle this long are closed instead of reused: the server closes them after 5 s (keep-alive timeout). */
const MAX_IDLE_MS = 3_000;
const HEADER_END = Buffer.from('\r\n\r\n');

type Pending = { resolve: (response: RawResponse) => void; reject: (error: Error) => void };
type Connection = { socket: Socket; pending: Pending | undefined; buffer: Buffer; idleSince: number };

/** A client for `baseUrl` (http only) sending `headers` (name: value) with every request. */
export function createRawHttpClient(baseUrl: string, headers: Record<string, string>): RawHttpClient {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:') throw new Error(`raw HTTP client: only http URLs, got ${baseUrl}`);
  const port = Number(url.port || 80);
  const fixedHeaders = Object.entries({ host: url.host, ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const idle: Connection[] = [];
  const open = new Set<Connection>();

  function fail(connection: Connection, error: Error): void {
    open.delete(connection);
    const index = idle.indexOf(connection);
    if (index >= 0) idle.splice(index, 1);
    connection.socket.destroy();
    const pending = connection.pending;
    connection.pending = undefined;
    pending?.reject(error);
  }

  function onData(connection: Connection, chunk: Buffer): void {
    connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
    const headerEnd = connection.buffer.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = connection.buffer.toString('latin1', 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!head.startsWith('HTTP/1.1 ') || !Number.isInteger(status) || !length) {
      fail(connection, new Error(`raw HTTP client: unsupported response head ${JSON.stringify(head.slice(0, 200))}`));
      return;
    }
    const bodyStart = headerEnd + HEADER_END.length;
    const bodyEnd = bodyStart + Number(length[1]);
    if (connection.buffer.length < bodyEnd) return;
    if (connection.buffer.length > bodyEnd) {
      fail(connection, new Error('raw HTTP client: bytes after the response'));
      return;
    }
    const body = connection.buffer.toString('utf8', bodyStart, bodyEnd);
    const pending = connection.pending;
    if (!pending) {
      // Bytes nobody asked for (say, a server's timeout answer on an idle connection): drop the connection.
      fail(connection, new Error('raw HTTP client: a response nobody asked for'));
      return;
    }
    connection.pending = undefined;
    connection.buffer = Buffer.alloc(0);
    if (/\r\nconnection: *close/i.test(head)) {
      open.delete(connection);
      connection.socket.destroy();
    } else {
      connection.idleSince = performance.now();
      idle.push(connection);
    }
    pending.resolve({ status, body });
  }

  function take(): Connection {
    const now = performance.now();
    for (let connection = idle.pop(); connection; connection = idle.pop()) {
      if (now - connection.idleSince < MAX_IDLE_MS && !connection.socket.destroyed) return connection;
      open.delete(connection);
      connection.socket.destroy();
    }
    const socket = connect({ host: url.hostname, port, noDelay: true });
    const connection: Connection = { socket, pending: undefined, buffer: Buffer.alloc(0), idleSince: now };
    open.add(connection);
    socket.on('data', (chunk: Buffer) => onData(connection, chunk));
    socket.on('error', (error) => fail(connection, error));
    socket.on('close', () => fail(connection, new Error('raw HTTP client: connection closed before the response')));
    return connection;
  }

  return {
    post(path, body) {
      return new Promise<RawResponse>((resolve, reject) => {
        const connection = take();
        connection.pending = { resolve, reject };
        // Written before the socket connects is fine: net buffers it until then.
        connection.socket.write(`POST ${path} HTTP/1.1\r\n${fixedHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      });
    },
    async close() {
      for (const connection of open) connection.socket.destroy();
      open.clear();
      idle.length = 0;
    },
  };
}
