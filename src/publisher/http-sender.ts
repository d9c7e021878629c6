import { TaskCancelledError, timeout, TimeoutStrategy } from 'cockatiel';
import { Agent, request } from 'undici';
import type { Clock } from '../clock.ts';
import type { AttemptOutcome } from './attempt-outcome.ts';
import { parseRetryAfter } from './retry-schedule.ts';
import type { TargetGuard } from './target-guard.ts';

export type OutgoingRequest = { url: string; headers: Record<string, string>; body: string };

/** Sends one signed POST and reports what happened as an `AttemptOutcome`. */
export type HttpSender = {
  send(request: OutgoingRequest): Promise<AttemptOutcome>;
  close(): Promise<void>;
};

export type HttpSenderOptions = {
  timeoutMs: number;
  /** Bytes of the response body kept for the attempt record. */
  responseBodyLimit: number;
  clock: Clock;
  /** Refuses private and other forbidden targets, at connect time (SSRF). */
  guard: TargetGuard;
  userAgent?: string;
};

/**
 * Creates the delivery HTTP client: keep-alive connections per origin (undici `Agent`), a hard
 * per-attempt deadline covering connect, headers and body (a cockatiel timeout policy), redirects
 * never followed, and only the first `responseBodyLimit` bytes of a response read, whatever its size.
 */
export function createHttpSender(options: HttpSenderOptions): HttpSender {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: options.timeoutMs, lookup: options.guard.lookup },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  // The request has finished (body read or dropped) when the callback returns, so there is nothing to
  // abort then; aborting anyway would build a DOMException with a stack trace for every delivery.
  const deadline = timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  const userAgent = options.userAgent ?? 'webhook-gateway/0.1';

  async function send(outgoing: OutgoingRequest): Promise<AttemptOutcome> {
    const refused = options.guard.checkUrl(outgoing.url);
    if (refused) return { ok: false, reason: 'invalid_target', durationMs: 0, message: refused };
    const started = options.clock.now();
    const elapsed = () => Math.max(0, options.clock.now() - started);
    let status: number | undefined;
    let responseBody: string | undefined;
    let retryAfterMs: number | undefined;
    let location: string | undefined;
    let failure: unknown;
    try {
      await deadline.execute(async ({ signal }) => {
        const response = await request(outgoing.url, {
          method: 'POST',
          headers: { 'user-agent': userAgent, ...outgoing.headers },
          body: outgoing.body,
          dispatcher: agent,
          signal,
        });
        status = response.statusCode;
        retryAfterMs = parseRetryAfter(headerValue(response.headers['retry-after']), options.clock.now());
        location = headerValue(response.headers.location);
        responseBody = await readLimited(response.body, options.responseBodyLimit);
      });
    } catch (error) {
      failure = error;
    }
    if (status === undefined) return networkFailure(failure, elapsed(), options.timeoutMs);
    // When the status arrived but the body did not finish, judge by the status and note the body error.
    if (failure !== undefined) responseBody = `${responseBody ?? ''}[response body not read: ${describe(failure)}]`;
    return classify(status, responseBody ?? '', elapsed(), retryAfterMs, location);
  }

  return { send, close: () => agent.close() };
}

function classify(
  status: number,
  responseBody: string,
  durationMs: number,
  retryAfterMs: number | undefined,
  location: string | undefined,
): AttemptOutcome {
  if (status >= 200 && status < 300) return { ok: true, status, durationMs, responseBody };
  if (status >= 300 && status < 400)
    return {
      ok: false,
      reason: 'redirect',
      status,
      durationMs,
      responseBody,
      message: `HTTP ${status}: redirects are not followed${location ? ` (Location: ${location.slice(0, 200)})` : ''}`,
    };
  return {
    ok: false,
    reason: 'http_status',
    status,
    durationMs,
    responseBody,
    retryAfterMs: status === 429 || status === 503 ? retryAfterMs : undefined,
    message: `HTTP ${status}`,
  };
}

function networkFailure(error: unknown, durationMs: number, timeoutMs: number): AttemptOutcome {
  const code = errorCode(error);
  if (error instanceof TaskCancelledError || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT')
    return { ok: false, reason: 'timeout', durationMs, message: `no response within ${timeoutMs} ms` };
  if (code === 'ESSRFBLOCKED' || code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG')
    return { ok: false, reason: 'invalid_target', durationMs, message: describe(error) };
  return { ok: false, reason: 'network_error', durationMs, message: describe(error) };
}

async function readLimited(body: AsyncIterable<Uint8Array> & { destroy(): unknown }, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = limit - size;
    chunks.push(room >= chunk.byteLength ? chunk : chunk.subarray(0, room));
    size += Math.min(room, chunk.byteLength);
    if (size >= limit) {
      // Stop reading: a huge response must not cost memory or time (the socket is dropped).
      body.destroy();
      break;
    }
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks));
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ('code' in error && typeof error.code === 'string') return error.code;
  if ('cause' in error) return errorCode(error.cause);
  return undefined;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errorCode(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${code ? `${code} ` : ''}${error.message}${cause}`.slice(0, 500);
}
