import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres, { type Sql } from 'postgres';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** The drizzle database handle used everywhere (postgres.js underneath). */
export type Db = PostgresJsDatabase<Schema> & { $client: Sql };
/** A drizzle transaction, as passed to `db.transaction(async (tx) => ...)`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** An open database: the drizzle handle plus the postgres.js client for LISTEN and shutdown. */
export type Database = { db: Db; sql: Sql; close(): Promise<void> };

/**
 * Opens a pooled connection to Postgres. Nothing connects until the first query.
 * @example const { db, close } = createDatabase({ url: config.databaseUrl, max: 20 });
 */
export function createDatabase(options: { url: string; max?: number; applicationName?: string; idleTimeoutMs?: number }): Database {
  const sql = postgres(options.url, {
    max: options.max ?? 20,
    // 0 (no timeout) by default: a pool that closed its connections in a quiet spell paid for new
    // backends (fork, catalog caches, statements prepared again) in the first second of the next burst.
    idle_timeout: options.idleTimeoutMs === undefined ? 0 : options.idleTimeoutMs / 1000,
    connect_timeout: 5,
    // postgres.js counts failed connects pool-wide and waits up to 20 s (3^n/100 s) before the next
    // one, so after a restart queries queued meanwhile hung that long; retry at most every second.
    backoff: reconnectDelaySeconds,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'webhook-gateway' },
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/** Seconds before reconnecting after the `retries`-th failed connection: 50 ms doubling, at most 1 s, jittered. */
export function reconnectDelaySeconds(retries: number): number {
  return Math.min(0.05 * 2 ** Math.min(retries, 10), 1) * (0.5 + Math.random() / 2);
}
