import { sql } from 'drizzle-orm';
import { index, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { deliveries } from './deliveries.ts';
import { endpoints } from './endpoints.ts';
import { tenants } from './tenants.ts';

export const deadLetterStatus = pgEnum('dead_letter_status', ['open', 'redelivered', 'dismissed']);

/** The dead-letter store: one row each time a delivery's attempt series ends without success. */
export const webhookFailures = pgTable(
  'webhook_failures',
  {
    id: uuid('id').primaryKey().default(sql`uuid_v7()`),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => deliveries.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    eventType: text('event_type').notNull(),
    series: integer('series').notNull(),
    attempts: integer('attempts').notNull(),
    /** Why the series ended: exhausted, permanent_status, endpoint_gone, endpoint_disabled. */
    reason: text('reason').notNull(),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    status: deadLetterStatus('status').notNull().default('open'),
    failedAt: timestamp('failed_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    index('webhook_failures_tenant_idx').on(t.tenantId, t.status, t.failedAt),
    index('webhook_failures_endpoint_idx').on(t.endpointId, t.status, t.failedAt),
    index('webhook_failures_delivery_idx').on(t.deliveryId),
  ],
);

/** Who did what by hand (redeliveries, dismissals, endpoint changes). */
export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id').primaryKey().default(sql`uuid_v7()`),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    targetId: uuid('target_id'),
    details: text('details'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_log_tenant_idx').on(t.tenantId, t.createdAt)],
);

export type DeadLetter = typeof webhookFailures.$inferSelect;
export type DeadLetterStatus = DeadLetter['status'];
