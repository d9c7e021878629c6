import { Hono } from 'hono';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/index.ts';
import { endpointService, type TargetGuard } from '../../publisher/index.ts';
import type { SecretBox } from '../../secrets/index.ts';
import { requireScope, type AuthEnv } from '../auth.ts';
import { parseWith, readJson } from '../request.ts';
import { endpointCreateSchema, endpointPatchSchema, page, rotateSchema, SMALL_BODY_LIMIT } from '../schemas.ts';
import { z } from 'zod';

const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.string().optional() });

/** `/v1/endpoints`: register, list, read, update, delete, read and rotate the signing secret. */
export function endpointRoutes({ db, clock, guard, secretBox }: { db: Db; clock: Clock; guard: TargetGuard; secretBox: SecretBox }) {
  const endpoints = endpointService({ db, clock, guard, secretBox });
  return new Hono<AuthEnv>()
    .use('*', requireScope('endpoints:manage'))
    .post('/', async (c) => {
      const input = await readJson(c, endpointCreateSchema, SMALL_BODY_LIMIT);
      const { endpoint, secret } = await endpoints.create(c.var.scope, input);
      return c.json({ ...endpoint, secret }, 201);
    })
    .get('/', async (c) => {
      const query = parseWith(listQuery, c.req.query());
      const data = await endpoints.list(c.var.scope, query);
      return c.json(page(data, query.limit));
    })
    .get('/:id', async (c) => c.json(await endpoints.get(c.var.scope, c.req.param('id'))))
    .patch('/:id', async (c) => {
      const patch = await readJson(c, endpointPatchSchema, SMALL_BODY_LIMIT);
      return c.json(await endpoints.update(c.var.scope, c.req.param('id'), patch));
    })
    .delete('/:id', async (c) => {
      await endpoints.remove(c.var.scope, c.req.param('id'));
      return c.body(null, 204);
    })
    .get('/:id/secret', async (c) => c.json({ secret: await endpoints.currentSecret(c.var.scope, c.req.param('id')) }))
    .post('/:id/secret/rotate', async (c) => {
      const hasBody = Number(c.req.header('content-length') ?? '0') > 0;
      const input = hasBody ? await readJson(c, rotateSchema, SMALL_BODY_LIMIT) : {};
      const graceMs = input.graceSeconds === undefined ? undefined : input.graceSeconds * 1000;
      return c.json(await endpoints.rotateSecret(c.var.scope, c.req.param('id'), graceMs));
    });
}
