import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenants } from './tenants.ts';

export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey().default(sql`uuid_v7()`),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<unknown>().notNull(),
    idempotencyKey: text('idempotency_key'),
    correlationId: text('correlation_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // NULL keys are distinct, so events without a key never conflict.
    uniqueIndex('events_tenant_idempotency_key_idx').on(t.tenantId, t.idempotencyKey),
    index('events_tenant_created_idx').on(t.tenantId, t.createdAt),
  ],
);

export type Event = typeof events.$inferSelect;
