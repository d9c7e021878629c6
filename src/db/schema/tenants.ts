import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** The tenant every resource belongs to; the admin token acts on the default one. */
export const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000000';

export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey().default(sql`uuid_v7()`),
  name: text('name').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type Tenant = typeof tenants.$inferSelect;
