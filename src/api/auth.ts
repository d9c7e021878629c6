import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { DEFAULT_TENANT_ID } from '../db/index.ts';
import type { Scope } from '../scope.ts';
import { errorBody } from './errors.ts';

export type AuthEnv = { Variables: { scope: Scope } };

/**
 * Bearer-token authentication. For now there is one token, `ADMIN_TOKEN`, acting on the default
 * tenant and allowed to read every tenant. Without a configured token the API is open (development
 * only; the process warns at start-up and listens on loopback).
 */
export function bearerAuth(adminToken: string | undefined): MiddlewareHandler<AuthEnv> {
  const expected = adminToken ? Buffer.from(adminToken) : undefined;
  const admin: Scope = { tenantId: DEFAULT_TENANT_ID, allTenants: true, actor: 'admin' };
  return async (c, next) => {
    if (expected) {
      const header = c.req.header('authorization') ?? '';
      const match = /^Bearer\s+(.+)$/i.exec(header);
      const given = Buffer.from(match?.[1]?.trim() ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        c.header('WWW-Authenticate', 'Bearer');
        return c.json(errorBody('unauthorized', match ? 'invalid token' : 'missing bearer token'), 401);
      }
    }
    c.set('scope', admin);
    await next();
  };
}
