import { eq, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { ApiScope } from './tenants/scopes.ts';

/**
 * Who is asking: the tenant whose resources are read and written, and whether the caller may also
 * read every other tenant's (the admin token). Every query goes through `tenantFilter`.
 */
export type Scope = { tenantId: string; allTenants: boolean; actor: string; scopes: readonly ApiScope[] };

/** The tenant condition for a query, or undefined when the scope may see every tenant. */
export function tenantFilter(scope: Scope, column: PgColumn): SQL | undefined {
  return scope.allTenants ? undefined : eq(column, scope.tenantId);
}
