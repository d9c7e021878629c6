import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Sql, TransactionSql } from 'postgres';
import type { Db, Tx } from './client.ts';

/**
 * Anything a statement can run on: our drizzle database, a drizzle transaction, or a caller's own
 * postgres.js client or transaction (so a service can publish inside the transaction it already has).
 */
export type SqlRunner = Db | Tx | Sql | TransactionSql;

const dialect = new PgDialect();

/**
 * Runs one drizzle `sql` statement on any `SqlRunner` and returns its rows.
 * Statements written for it select timestamps as epoch milliseconds, because drizzle's client
 * returns timestamps as strings while a plain postgres.js client returns `Date`s.
 */
export async function runSql<Row extends Record<string, unknown>>(runner: SqlRunner, statement: SQL): Promise<Row[]> {
  if ('$client' in runner) {
    // Named prepared statements: postgres.js describes a statement once per connection and then
    // binds and executes it in ONE round trip (drizzle's `execute` describes every time: two).
    const query = dialect.sqlToQuery(statement);
    const rows = await runner.$client.unsafe<Row[]>(query.sql, query.params as never[], { prepare: true });
    return [...rows];
  }
  if ('execute' in runner) {
    const rows = await runner.execute<Row>(statement);
    return [...rows] as Row[];
  }
  const query = dialect.sqlToQuery(statement);
  const rows = await runner.unsafe<Row[]>(query.sql, query.params as never[]);
  return [...rows];
}
