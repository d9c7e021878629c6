/**
 * Domain errors. Each has a stable machine-readable `code` and a `kind` that the API maps to an
 * HTTP status in one place (`src/api/errors.ts`); nothing below the API knows about HTTP.
 */
export type ErrorKind = 'invalid' | 'not_found' | 'conflict' | 'too_large' | 'unavailable' | 'unauthorized';

/** The HTTP status each kind of error is answered with (API and admin console alike). */
export const ERROR_STATUS = {
  invalid: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unavailable: 503,
} as const satisfies Record<ErrorKind, number>;

/** A failure the caller can act on, with a stable `code` such as `invalid_event_type`. */
export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Shorthand for a 404-style error that does not reveal whether the id exists elsewhere. */
export function notFound(what: string): GatewayError {
  return new GatewayError('not_found', 'not_found', `${what} not found`);
}

/** Shorthand for invalid input. */
export function invalid(code: string, message: string): GatewayError {
  return new GatewayError('invalid', code, message);
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

/** True when `error` means Postgres could not be reached (as opposed to a bad query). */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const code = 'code' in error ? String(error.code) : '';
  if (CONNECTION_CODES.has(code) || code.startsWith('08')) return true;
  const errno = 'errno' in error ? String(error.errno) : '';
  if (CONNECTION_CODES.has(errno)) return true;
  // drizzle wraps driver errors (DrizzleQueryError) with the original as `cause`.
  return 'cause' in error && isDatabaseUnavailable(error.cause, depth + 1);
}

/**
 * True when Postgres refused a value the caller sent (SQLSTATE class 22, data exception: a NUL
 * character in text or JSON, a number out of range...). Statements are atomic, so nothing was written.
 */
export function isInvalidData(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  if ('code' in error && typeof error.code === 'string' && /^22[0-9A-Z]{3}$/.test(error.code)) return true;
  return 'cause' in error && isInvalidData(error.cause, depth + 1);
}
