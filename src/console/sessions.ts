import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, lt } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import { consoleSessions, type Db } from '../db/index.ts';

export type ConsoleSessionView = { id: string; csrfToken: string; expiresAt: Date };

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** True when two strings are equal, compared in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Console sessions in Postgres, so every API process accepts a login made on another and a logout
 * ends the session everywhere. The cookie carries a random 32-byte token; only its SHA-256 is
 * stored. Each session has its own CSRF token and an absolute expiry, and is bound to the admin
 * token in force when it was opened (`adminToken` undefined: development mode).
 */
export function consoleSessionStore({ db, clock, ttlMs, adminToken }: { db: Db; clock: Clock; ttlMs: number; adminToken: string | undefined }) {
  const fingerprint = adminToken === undefined ? 'development' : sha256(`console-session:${adminToken}`);

  return {
    /** Opens a session; returns the cookie value (shown to the browser only) and the session. */
    async open(): Promise<{ token: string; session: ConsoleSessionView }> {
      const now = new Date(clock.now());
      await db.delete(consoleSessions).where(lt(consoleSessions.expiresAt, now));
      const token = randomBytes(32).toString('base64url');
      const [row] = await db
        .insert(consoleSessions)
        .values({
          tokenHash: sha256(token),
          csrfToken: randomBytes(32).toString('base64url'),
          adminFingerprint: fingerprint,
          createdAt: now,
          expiresAt: new Date(now.getTime() + ttlMs),
        })
        .returning();
      if (!row) throw new Error('session insert returned nothing');
      return { token, session: { id: row.id, csrfToken: row.csrfToken, expiresAt: row.expiresAt } };
    },

    /** The live session for a cookie value, if any (expired, logged out, or opened under another admin token: none). */
    async find(token: string | undefined): Promise<ConsoleSessionView | undefined> {
      if (!token || token.length > 100) return undefined;
      const [row] = await db
        .select()
        .from(consoleSessions)
        .where(
          and(
            eq(consoleSessions.tokenHash, sha256(token)),
            eq(consoleSessions.adminFingerprint, fingerprint),
            gt(consoleSessions.expiresAt, new Date(clock.now())),
          ),
        );
      return row ? { id: row.id, csrfToken: row.csrfToken, expiresAt: row.expiresAt } : undefined;
    },

    /** Ends a session (logout). */
    async close(id: string): Promise<void> {
      await db.delete(consoleSessions).where(eq(consoleSessions.id, id));
    },
  };
}

export type ConsoleSessionStore = ReturnType<typeof consoleSessionStore>;
