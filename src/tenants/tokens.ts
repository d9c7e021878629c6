import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import { apiTokens, tenants, type Db } from '../db/index.ts';
import { invalid, notFound } from '../errors.ts';
import type { Scope } from '../scope.ts';
import { isUuid } from '../publisher/ids.ts';
import { API_SCOPES, type ApiScope } from './scopes.ts';

const TOKEN_PREFIX = 'whgw_';

/** SHA-256 of a token: what is stored and looked up (a token is high-entropy, so no salt is needed). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export type TokenView = { id: string; tenantId: string; name: string; prefix: string; scopes: ApiScope[]; createdAt: string; lastUsedAt: string | null; revokedAt: string | null };

/**
 * Tenants and their API tokens. Tokens are random 32-byte values shown once; only their SHA-256 is
 * stored. `resolve` turns a presented token into the caller's `Scope` (cached for a few seconds per
 * process, so a request costs no query; revoking clears this process's cache at once and the others'
 * within `cacheMs`), and records the last use at most once a minute.
 */
export function tenantService({ db, clock, cacheMs = 5_000 }: { db: Db; clock: Clock; cacheMs?: number }) {
  const cache = new Map<string, { scope: Scope | undefined; until: number }>();
  const lastTouched = new Map<string, number>();

  return {
    async createTenant(name: string): Promise<{ id: string; name: string; createdAt: string }> {
      if (name.trim().length === 0 || name.length > 200) throw invalid('invalid_name', 'name must be 1..200 characters');
      const [row] = await db.insert(tenants).values({ name }).returning();
      if (!row) throw new Error('tenant insert returned nothing');
      return { id: row.id, name: row.name, createdAt: row.createdAt.toISOString() };
    },

    /** Issues a token for a tenant the caller may manage; the token itself is returned only here. */
    async createToken(caller: Scope, tenantId: string, input: { scopes: string[]; name?: string | undefined }): Promise<TokenView & { token: string }> {
      if (!isUuid(tenantId) || (!caller.allTenants && caller.tenantId !== tenantId)) throw notFound('tenant');
      const scopes = [...new Set(input.scopes)];
      const unknown = scopes.filter((scope) => !(API_SCOPES as readonly string[]).includes(scope));
      if (scopes.length === 0 || unknown.length > 0)
        throw invalid('invalid_scope', `scopes must be a non-empty list of ${API_SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
      const [tenant] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
      if (!tenant) throw notFound('tenant');
      const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
      const [row] = await db
        .insert(apiTokens)
        .values({ tenantId, name: input.name ?? '', tokenHash: hashToken(token), prefix: token.slice(0, 12), scopes })
        .returning();
      if (!row) throw new Error('token insert returned nothing');
      return { ...tokenView(row), token };
    },

    /** Revokes a token (admin token: any; a tenant's admin-scoped token: its own tenant's). */
    async revokeToken(caller: Scope, id: string): Promise<void> {
      if (!isUuid(id)) throw notFound('token');
      const rows = await db
        .update(apiTokens)
        .set({ revokedAt: new Date(clock.now()) })
        .where(and(eq(apiTokens.id, id), caller.allTenants ? undefined : eq(apiTokens.tenantId, caller.tenantId), isNull(apiTokens.revokedAt)))
        .returning({ hash: apiTokens.tokenHash });
      if (rows.length === 0) throw notFound('token');
      for (const row of rows) cache.delete(row.hash);
    },

    /** The scope a presented token grants, or undefined when it is unknown or revoked. */
    async resolve(token: string): Promise<Scope | undefined> {
      if (!token.startsWith(TOKEN_PREFIX)) return undefined;
      const hash = hashToken(token);
      const now = clock.now();
      const cached = cache.get(hash);
      if (cached && cached.until > now) return cached.scope;
      const [row] = await db
        .select()
        .from(apiTokens)
        .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)));
      const scope: Scope | undefined = row
        ? { tenantId: row.tenantId, allTenants: false, actor: `token:${row.id}`, scopes: row.scopes as ApiScope[] }
        : undefined;
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { scope, until: now + cacheMs });
      if (row && (lastTouched.get(row.id) ?? 0) < now - 60_000) {
        lastTouched.set(row.id, now);
        db.update(apiTokens)
          .set({ lastUsedAt: sql`now()` })
          .where(eq(apiTokens.id, row.id))
          .catch(() => {});
      }
      return scope;
    },
  };
}

export type TenantService = ReturnType<typeof tenantService>;

function tokenView(row: typeof apiTokens.$inferSelect): TokenView {
  return {
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as ApiScope[],
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
