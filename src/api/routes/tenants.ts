import { Hono } from 'hono';
import { z } from 'zod';
import type { TenantService } from '../../tenants/index.ts';
import { requireScope, type AuthEnv } from '../auth.ts';
import { GatewayError } from '../../errors.ts';
import { readJson } from '../request.ts';
import { SMALL_BODY_LIMIT } from '../schemas.ts';

const tenantSchema = z.object({ name: z.string() });
const tokenSchema = z.object({ scopes: z.array(z.string()).max(10), name: z.string().max(200).optional() });

/** `/v1/tenants` (bootstrap admin only) and token issue/revoke (admin scope within a tenant). */
export function tenantRoutes({ tenants }: { tenants: TenantService }) {
  return new Hono<AuthEnv>()
    .post('/tenants', requireScope('admin'), async (c) => {
      if (!c.var.scope.allTenants) throw new GatewayError('not_found', 'route_not_found', 'no route for POST /v1/tenants');
      const body = await readJson(c, tenantSchema, SMALL_BODY_LIMIT);
      return c.json(await tenants.createTenant(body.name), 201);
    })
    .post('/tenants/:id/tokens', requireScope('admin'), async (c) => {
      const body = await readJson(c, tokenSchema, SMALL_BODY_LIMIT);
      return c.json(await tenants.createToken(c.var.scope, c.req.param('id'), body), 201);
    })
    .delete('/tokens/:id', requireScope('admin'), async (c) => {
      await tenants.revokeToken(c.var.scope, c.req.param('id'));
      return c.body(null, 204);
    });
}
