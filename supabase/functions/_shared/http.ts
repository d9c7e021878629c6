/** JSON responses of the receiver functions, in the gateway API's error shape. */

/** `{ error: { code, message } }` with `status`, plus any extra headers (e.g. `Retry-After`). */
export function errorResponse(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { code, message } }, { status, headers });
}

/**
 * `Retry-After` in whole seconds for a delay in milliseconds: at least 1 s, at most `maxMs`
 * (rounded up), so a sender never waits longer than one breaker open period on our hint.
 */
export function retryAfterHeader(delayMs: number, maxMs: number): Record<string, string> {
  const seconds = Math.ceil(Math.min(Math.max(delayMs, 0), maxMs) / 1000);
  return { 'Retry-After': String(Math.max(1, seconds)) };
}
