import { createRoute, z } from '@hono/zod-openapi';
import type { TenantService } from '../../tenants/index.ts';
import { requireScope, type AuthEnv } from '../auth.ts';
import { GatewayError } from '../../errors.ts';
import { BEARER, documentWithBody, errors, IdParams, json, openApiApp, V1_ERRORS } from '../openapi.ts';
import { readJson } from '../request.ts';
import { CreatedTokenSchema, TenantSchema } from '../response-schemas.ts';
import { SMALL_BODY_LIMIT } from '../schemas.ts';

const tenantSchema = z.object({ name: z.string() });
const tokenSchema = z.object({ scopes: z.array(z.string()).max(10), name: z.string().max(200).optional() });
const tags = ['tenants'];

const createTenant = createRoute({
  method: 'post',
  path: '/tenants',
  tags,
  summary: 'Create a tenant (the bootstrap admin token only)',
  security: BEARER,
  middleware: [requireScope('admin')],
  responses: { 201: json(TenantSchema, 'Created'), ...errors(...V1_ERRORS, 413) },
});
const createToken = createRoute({
  method: 'post',
  path: '/tenants/{id}/tokens',
  tags,
  summary: "Issue an API token for a tenant (shown once); scopes among events:publish, endpoints:manage, deliveries:read, deliveries:redeliver, admin",
  security: BEARER,
  middleware: [requireScope('admin')],
  request: { params: IdParams },
  responses: { 201: json(CreatedTokenSchema, 'Created'), ...errors(...V1_ERRORS, 413) },
});
const revokeToken = createRoute({
  method: 'delete',
  path: '/tokens/{id}',
  tags,
  summary: 'Revoke an API token',
  security: BEARER,
  middleware: [requireScope('admin')],
  request: { params: IdParams },
  responses: { 204: { description: 'Revoked' }, ...errors(...V1_ERRORS) },
});

/** `/v1/tenants` (bootstrap admin only) and token issue/revoke (admin scope within a tenant). */
export function tenantRoutes({ tenants }: { tenants: TenantService }) {
  const app = openApiApp<AuthEnv>();
  app.openapi({ ...createTenant, hide: true }, async (c) => {
    if (!c.var.scope.allTenants) throw new GatewayError('not_found', 'route_not_found', 'no route for POST /v1/tenants');
    const body = await readJson(c, tenantSchema, SMALL_BODY_LIMIT);
    return c.json(await tenants.createTenant(body.name), 201);
  });
  documentWithBody(app, createTenant, tenantSchema);
  app.openapi({ ...createToken, hide: true }, async (c) => {
    const body = await readJson(c, tokenSchema, SMALL_BODY_LIMIT);
    return c.json(await tenants.createToken(c.var.scope, c.req.valid('param').id, body), 201);
  });
  documentWithBody(app, createToken, tokenSchema);
  app.openapi(revokeToken, async (c) => {
    await tenants.revokeToken(c.var.scope, c.req.valid('param').id);
    return c.body(null, 204);
  });
  return app;
}
