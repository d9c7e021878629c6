import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * Admin console sessions. The browser holds a random session token in an HttpOnly cookie; only its
 * SHA-256 is stored. `admin_fingerprint` ties a session to the admin token it was opened with, so
 * changing `ADMIN_TOKEN` ends every session. `csrf_token` is sent back with every form.
 */
export const consoleSessions = pgTable(
  'console_sessions',
  {
    id: uuid('id').primaryKey().default(sql`uuid_v7()`),
    tokenHash: text('token_hash').notNull(),
    csrfToken: text('csrf_token').notNull(),
    adminFingerprint: text('admin_fingerprint').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex('console_sessions_token_idx').on(t.tokenHash), index('console_sessions_expiry_idx').on(t.expiresAt)],
);

export type ConsoleSession = typeof consoleSessions.$inferSelect;
