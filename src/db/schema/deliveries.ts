import { sql } from 'drizzle-orm';
import { index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { endpoints } from './endpoints.ts';
import { events } from './events.ts';
import { tenants } from './tenants.ts';

export const deliveryStatus = pgEnum('delivery_status', ['pending', 'succeeded', 'failed', 'dead']);
export const attemptTrigger = pgEnum('attempt_trigger', ['scheduled', 'manual']);

/**
 * One row per event x endpoint. Its id is the `webhook-id` receivers see, on every attempt and redelivery.
 * `series` counts attempt series: a manual redelivery starts a new one with `attempt_count` back at 0.
 * `next_attempt_at` is set exactly while the status is pending or failed (a retry is due then).
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().default(sql`uuid_v7()`),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    eventId: uuid('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    status: deliveryStatus('status').notNull().default('pending'),
    series: integer('series').notNull().default(1),
    seriesTrigger: attemptTrigger('series_trigger').notNull().default('scheduled'),
    attemptCount: integer('attempt_count').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('deliveries_event_endpoint_idx').on(t.eventId, t.endpointId),
    index('deliveries_endpoint_idx').on(t.endpointId, t.id),
    index('deliveries_tenant_idx').on(t.tenantId, t.id),
    index('deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`status in ('pending', 'failed')`),
  ],
);

/** Every HTTP attempt (or fast failure) of a delivery, in order. */
export const deliveryAttempts = pgTable(
  'delivery_attempts',
  {
    id: uuid('id').primaryKey().default(sql`uuid_v7()`),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => deliveries.id, { onDelete: 'cascade' }),
    series: integer('series').notNull(),
    attemptNumber: integer('attempt_number').notNull(),
    trigger: attemptTrigger('trigger').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    outcome: text('outcome', { enum: ['succeeded', 'failed'] }).notNull(),
    statusCode: integer('status_code'),
    responseBody: text('response_body'),
    errorCode: text('error_code'),
    error: text('error'),
  },
  (t) => [uniqueIndex('delivery_attempts_series_idx').on(t.deliveryId, t.series, t.attemptNumber)],
);

export type Delivery = typeof deliveries.$inferSelect;
export type DeliveryStatus = Delivery['status'];
export type DeliveryAttempt = typeof deliveryAttempts.$inferSelect;
