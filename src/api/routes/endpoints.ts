import { createRoute, z } from '@hono/zod-openapi';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/index.ts';
import { endpointService, type TargetGuard } from '../../publisher/index.ts';
import type { SecretBox } from '../../secrets/index.ts';
import { requireScope, type AuthEnv } from '../auth.ts';
import { BEARER, documentWithBody, errors, IdParams, json, openApiApp, V1_ERRORS } from '../openapi.ts';
import { readJson } from '../request.ts';
import { CreatedEndpointSchema, EndpointSchema, pageOf, RotatedSecretSchema, SecretSchema } from '../response-schemas.ts';
import { endpointCreateSchema, endpointPatchSchema, page, rotateSchema, SMALL_BODY_LIMIT } from '../schemas.ts';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.string().optional() });
const tags = ['endpoints'];

const create = createRoute({
  method: 'post',
  path: '/',
  tags,
  summary: 'Register an endpoint (its signing secret is shown once, here)',
  security: BEARER,
  responses: { 201: json(CreatedEndpointSchema, 'Created'), ...errors(...V1_ERRORS, 413) },
});
const list = createRoute({
  method: 'get',
  path: '/',
  tags,
  summary: 'List endpoints',
  security: BEARER,
  request: { query: listQuery },
  responses: { 200: json(pageOf(EndpointSchema), 'A page of endpoints'), ...errors(...V1_ERRORS) },
});
const read = createRoute({
  method: 'get',
  path: '/{id}',
  tags,
  summary: 'Read an endpoint',
  security: BEARER,
  request: { params: IdParams },
  responses: { 200: json(EndpointSchema, 'The endpoint'), ...errors(...V1_ERRORS) },
});
const update = createRoute({
  method: 'patch',
  path: '/{id}',
  tags,
  summary: 'Update an endpoint (`enabled: true` re-enables one disabled by a 410)',
  security: BEARER,
  request: { params: IdParams },
  responses: { 200: json(EndpointSchema, 'The updated endpoint'), ...errors(...V1_ERRORS, 413) },
});
const remove = createRoute({
  method: 'delete',
  path: '/{id}',
  tags,
  summary: 'Delete an endpoint',
  security: BEARER,
  request: { params: IdParams },
  responses: { 204: { description: 'Deleted' }, ...errors(...V1_ERRORS) },
});
const secret = createRoute({
  method: 'get',
  path: '/{id}/secret',
  tags,
  summary: 'Read the current signing secret',
  security: BEARER,
  request: { params: IdParams },
  responses: { 200: json(SecretSchema, 'The newest active secret'), ...errors(...V1_ERRORS) },
});
const rotate = createRoute({
  method: 'post',
  path: '/{id}/secret/rotate',
  tags,
  summary: 'Rotate the signing secret; the old one keeps signing for `graceSeconds` (default 24 h)',
  security: BEARER,
  request: { params: IdParams },
  responses: { 200: json(RotatedSecretSchema, 'The new secret'), ...errors(...V1_ERRORS, 413) },
});

/** `/v1/endpoints`: register, list, read, update, delete, read and rotate the signing secret. */
export function endpointRoutes({ db, clock, guard, secretBox }: { db: Db; clock: Clock; guard: TargetGuard; secretBox: SecretBox }) {
  const endpoints = endpointService({ db, clock, guard, secretBox });
  const app = openApiApp<AuthEnv>();
  app.use('*', requireScope('endpoints:manage'));
  app.openapi({ ...create, hide: true }, async (c) => {
    const input = await readJson(c, endpointCreateSchema, SMALL_BODY_LIMIT);
    const { endpoint, secret } = await endpoints.create(c.var.scope, input);
    return c.json({ ...endpoint, secret }, 201);
  });
  documentWithBody(app, create, endpointCreateSchema);
  app.openapi(list, async (c) => {
    const query = c.req.valid('query');
    const data = await endpoints.list(c.var.scope, query);
    return c.json(page(data, query.limit), 200);
  });
  app.openapi(read, async (c) => c.json(await endpoints.get(c.var.scope, c.req.valid('param').id), 200));
  app.openapi({ ...update, hide: true }, async (c) => {
    const patch = await readJson(c, endpointPatchSchema, SMALL_BODY_LIMIT);
    return c.json(await endpoints.update(c.var.scope, c.req.valid('param').id, patch), 200);
  });
  documentWithBody(app, update, endpointPatchSchema);
  app.openapi(remove, async (c) => {
    await endpoints.remove(c.var.scope, c.req.valid('param').id);
    return c.body(null, 204);
  });
  app.openapi(secret, async (c) => c.json({ secret: await endpoints.currentSecret(c.var.scope, c.req.valid('param').id) }, 200));
  app.openapi({ ...rotate, hide: true }, async (c) => {
    const hasBody = Number(c.req.header('content-length') ?? '0') > 0;
    const input = hasBody ? await readJson(c, rotateSchema, SMALL_BODY_LIMIT) : {};
    const graceMs = input.graceSeconds === undefined ? undefined : input.graceSeconds * 1000;
    return c.json(await endpoints.rotateSecret(c.var.scope, c.req.valid('param').id, graceMs), 200);
  });
  documentWithBody(app, rotate, rotateSchema, false);
  return app;
}
