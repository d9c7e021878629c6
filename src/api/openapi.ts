/**
 * OpenAPI plumbing shared by the route files: routes are declared with `createRoute` (zod schemas),
 * so `/openapi.json` is generated from the same schemas the API validates with.
 *
 * Query, path and header parameters are validated by @hono/zod-openapi; a failure goes through the
 * `defaultHook` to the API's one error format (400 `validation_failed`). JSON bodies are documented
 * from their zod schema but read by `readJson` in the handler, which bounds their size while reading
 * and answers `invalid_json` / `payload_too_large` / `validation_failed` exactly as before.
 */
import { OpenAPIHono, z, type RouteConfig } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { invalid } from '../errors.ts';
import { validationMessage } from './request.ts';

/** The API's error body, `{error: {code, message}}`. */
export const ErrorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .openapi('Error');

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (`invalid_json`, `validation_failed`, `invalid_*`)',
  401: 'Missing, invalid or revoked bearer token (`unauthorized`)',
  403: 'The token lacks the scope (`insufficient_scope`)',
  404: 'Not found, or another tenant\'s resource (`*_not_found`)',
  409: 'Conflict with the resource\'s state',
  413: 'Body or payload too large (`payload_too_large`)',
  429: 'Over the per-token rate limit (`rate_limited`, with `Retry-After`)',
  503: 'Postgres unavailable (`database_unavailable`, with `Retry-After`); nothing was written',
};

/** Documented error answers for a route (the bodies all follow `ErrorSchema`). */
export function errors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [status, { description: ERROR_DESCRIPTIONS[status] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } }]),
  );
}

/** The errors every authenticated `/v1` route may answer. */
export const V1_ERRORS = [400, 401, 403, 404, 429, 503] as const;

/** A JSON response documented with its zod schema. */
export function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** Bearer auth, required by every `/v1` route. */
export const BEARER = [{ bearerAuth: [] }];

/** A path parameter `{id}`. */
export const IdParams = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '0190b5d2-7c1e-7d3a-9c43-2f0d9a1b2c3d' }) });

/** Turns a failed zod-openapi validation into 400 `validation_failed` (the same message as `parseWith`). */
const defaultHook = (result: { success: true } | { success: false; error: z.ZodError }) => {
  if (!result.success) throw invalid('validation_failed', validationMessage(result.error));
};

/** An OpenAPIHono app whose validation failures answer in the API's error format. */
export function openApiApp<E extends Env = Env>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook });
}

/**
 * Documents a route's JSON request body from its zod schema without installing a body validator
 * (the handler reads it with `readJson`, bounded in size). Call it next to `app.openapi({...route, hide: true}, ...)`.
 */
export function documentWithBody(app: { openAPIRegistry: OpenAPIHono['openAPIRegistry'] }, route: RouteConfig, body: z.ZodType, required = true): void {
  const { middleware: _middleware, hide: _hide, ...documented } = route;
  app.openAPIRegistry.registerPath({
    ...documented,
    request: { ...documented.request, body: { required, content: { 'application/json': { schema: body } } } },
  });
}
