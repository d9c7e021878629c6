import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ERROR_STATUS, isDatabaseUnavailable, isInvalidData, GatewayError } from '../errors.ts';
import type { Logger } from '../logger.ts';


/** The one error body of the API. */
export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Maps any error to `{error:{code,message}}` with the right status (hono's single `onError`). */
export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context) => {
    if (error instanceof GatewayError) return c.json(errorBody(error.code, error.message), ERROR_STATUS[error.kind]);
    if (isDatabaseUnavailable(error)) {
      logger.error({ err: error }, 'database unavailable');
      c.header('Retry-After', '5');
      return c.json(errorBody('database_unavailable', 'the database is unavailable; nothing was written, retry later'), 503);
    }
    if (isInvalidData(error))
      return c.json(errorBody('invalid_value', 'a value cannot be stored (for example a NUL character in text or JSON)'), 400);
    if (error instanceof HTTPException) return c.json(errorBody('http_error', error.message), error.status as ContentfulStatusCode);
    logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('internal_error', 'internal error'), 500);
  };
}
