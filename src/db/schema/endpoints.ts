import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.ts';

export const endpoints = pgTable(
  'endpoints',
  {
    id: uuid('id').primaryKey().default(sql`uuid_v7()`),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    /** Exact types and `prefix.*` wildcards; empty means every event type. */
    eventTypes: text('event_types').array().notNull().default(sql`'{}'::text[]`),
    /** Extra headers sent with every delivery. */
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    enabled: boolean('enabled').notNull().default(true),
    disabledReason: text('disabled_reason'),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    /** Per-endpoint circuit breaker thresholds; null means the gateway default. */
    breakerFailures: integer('breaker_failures'),
    breakerOpenForMs: integer('breaker_open_for_ms'),
    breakerSuccesses: integer('breaker_successes'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('endpoints_tenant_idx').on(t.tenantId, t.id)],
);

/** Signing secrets; several may be active at once while a rotation's grace period runs. */
export const endpointSecrets = pgTable(
  'endpoint_secrets',
  {
    id: uuid('id').primaryKey().default(sql`uuid_v7()`),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    secret: text('secret').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Null while the secret is current; set when a rotation retires it. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (t) => [index('endpoint_secrets_endpoint_idx').on(t.endpointId)],
);

export type Endpoint = typeof endpoints.$inferSelect;
export type EndpointSecret = typeof endpointSecrets.$inferSelect;
