import { Agent, type Dispatcher } from 'undici';
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

/** What came back of one request: the status once it arrived, and the error that ended it early, if any. */
type Exchange = { status: number | undefined; retryAfter: string | undefined; location: string | undefined; body: string; failure: unknown };

/** The per-attempt deadline passed (connect, headers and body together). */
class DeadlineExceeded extends Error {
  readonly code = 'DELIVERY_DEADLINE';
}

/** Ends the request once the kept part of the body is read (not an error: the response is judged as read). */
class BodyLimitReached extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** The kept body as text (a typical answer is one chunk: decoded without copying). */
function decode(chunks: readonly Buffer[]): string {
  if (chunks.length === 0) return '';
  return utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
}

/**
 * Creates the delivery HTTP client: keep-alive connections per origin (undici `Agent`), a hard
 * per-attempt deadline covering connect, headers and body, redirects never followed, and only the
 * first `responseBodyLimit` bytes of a response read, whatever its size (then the socket is dropped).
 *
 * It speaks undici's dispatch interface: the response arrives as callbacks, with no stream, abort
 * signal or promise per request, and the deadline is one timer that aborts the request. Through
 * `request()` with a cockatiel timeout policy (an AbortController, listeners and a race per
 * attempt) the same POSTs cost 252-297 us of client CPU each instead of 153-185 us, and bare
 * `request()` with no deadline 194-215 us (`npx tsx bench/http-client.ts`, README Performance).
 */
export function createHttpSender(options: HttpSenderOptions): HttpSender {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: options.timeoutMs, lookup: options.guard.lookup },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const userAgent = options.userAgent ?? 'webhook-gateway/0.1';
  const limit = options.responseBodyLimit;

  function exchange(target: URL, outgoing: OutgoingRequest): Promise<Exchange> {
    return new Promise((resolve) => {
      let status: number | undefined;
      let retryAfter: string | undefined;
      let location: string | undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      let controller: Dispatcher.DispatchController | undefined;
      const finish = (failure?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status, retryAfter, location, body: decode(chunks), failure });
      };
      const timer = setTimeout(() => {
        const error = new DeadlineExceeded(`no response within ${options.timeoutMs} ms`);
        finish(error);
        controller?.abort(error);
      }, options.timeoutMs);
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(started) {
          controller = started;
          // The deadline passed while the request waited for a connection.
          if (settled) started.abort(new DeadlineExceeded('deadline passed before the request started'));
        },
        onResponseStart(_controller, statusCode, headers) {
          // 1xx informational responses come before the real one.
          if (statusCode < 200) return;
          status = statusCode;
          retryAfter = headerValue(headers['retry-after']);
          location = headerValue(headers.location);
        },
        onResponseData(active, chunk) {
          if (settled || status === undefined) return;
          const room = limit - size;
          if (room > 0) {
            chunks.push(room >= chunk.byteLength ? chunk : chunk.subarray(0, room));
            size += Math.min(room, chunk.byteLength);
          }
          if (size >= limit) {
            // Stop reading: a huge response must not cost memory or time (the socket is dropped).
            finish();
            active.abort(new BodyLimitReached('response body limit reached'));
          }
        },
        onResponseEnd() {
          finish();
        },
        onResponseError(_controller, error) {
          finish(error);
        },
      };
      try {
        agent.dispatch(
          { origin: target.origin, path: `${target.pathname}${target.search}`, method: 'POST', headers: { 'user-agent': userAgent, ...outgoing.headers }, body: outgoing.body },
          handler,
        );
      } catch (error) {
        finish(error);
      }
    });
  }

  async function send(outgoing: OutgoingRequest): Promise<AttemptOutcome> {
    const target = options.guard.parseTarget(outgoing.url);
    if (!target.ok) return { ok: false, reason: 'invalid_target', durationMs: 0, message: target.refused };
    const started = options.clock.now();
    const { status, retryAfter, location, body, failure } = await exchange(target.url, outgoing);
    const durationMs = Math.max(0, options.clock.now() - started);
    if (status === undefined) return networkFailure(failure, durationMs, options.timeoutMs);
    // When the status arrived but the body did not finish, judge by the status and note the body error.
    const responseBody = failure === undefined ? body : `${body}[response body not read: ${describe(failure)}]`;
    return classify(status, responseBody, durationMs, parseRetryAfter(retryAfter, options.clock.now()), location);
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
  if (error instanceof DeadlineExceeded || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT')
    return { ok: false, reason: 'timeout', durationMs, message: `no response within ${timeoutMs} ms` };
  if (code === 'ESSRFBLOCKED' || code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG')
    return { ok: false, reason: 'invalid_target', durationMs, message: describe(error) };
  return { ok: false, reason: 'network_error', durationMs, message: describe(error) };
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
