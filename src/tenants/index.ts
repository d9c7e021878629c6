/**
 * Tenants and scoped API tokens. Every resource belongs to a tenant; a token acts within its tenant
 * with its scopes; the bootstrap `ADMIN_TOKEN` acts on the default tenant and may read all.
 */
export { allows, API_SCOPES, type ApiScope } from './scopes.ts';
export { hashToken, tenantService, type TenantService, type TokenView } from './tokens.ts';
