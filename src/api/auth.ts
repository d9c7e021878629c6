import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { DEFAULT_TENANT_ID } from '../db/index.ts';
import type { Scope } from '../scope.ts';
import { allows, type ApiScope, type TenantService } from '../tenants/index.ts';
import { errorBody } from './errors.ts';

export type AuthEnv = { Variables: { scope: Scope } };

/** The bootstrap admin: the default tenant, every scope, and read access to every tenant. */
export const ADMIN_SCOPE: Scope = { tenantId: DEFAULT_TENANT_ID, allTenants: true, actor: 'admin', scopes: ['admin'] };

/**
 * Bearer-token authentication: `ADMIN_TOKEN` (compared in constant time) or a tenant's API token
 * (looked up by its SHA-256). Without a configured `ADMIN_TOKEN` the API is open as admin
 * (development only; the process warns at start-up and listens on loopback).
 */
export function bearerAuth(adminToken: string | undefined, tenants: TenantService): MiddlewareHandler<AuthEnv> {
  const expected = adminToken ? Buffer.from(adminToken) : undefined;
  return async (c, next) => {
    if (!expected) {
      c.set('scope', ADMIN_SCOPE);
      return next();
    }
    const match = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '');
    const token = match?.[1]?.trim() ?? '';
    const given = Buffer.from(token);
    const scope =
      given.length === expected.length && timingSafeEqual(given, expected) ? ADMIN_SCOPE : token ? await tenants.resolve(token) : undefined;
    if (!scope) {
      c.header('WWW-Authenticate', 'Bearer');
      return c.json(errorBody('unauthorized', match ? 'invalid or revoked token' : 'missing bearer token'), 401);
    }
    c.set('scope', scope);
    return next();
  };
}

/** Lets the request through only when the caller's token has `needed` (or `admin`); else 403. */
export function requireScope(needed: ApiScope): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    if (!allows(c.var.scope.scopes, needed))
      return c.json(errorBody('insufficient_scope', `this token lacks the ${needed} scope`), 403);
    return next();
  };
}
