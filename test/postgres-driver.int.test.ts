import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/db/index.ts';
import { runSql } from '../src/db/sql-runner.ts';
import { createTestDatabase } from './helpers/database.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let gateway: Database;
let admin: postgres.Sql;

beforeAll(async () => {
  database = await createTestDatabase('driver');
  gateway = createDatabase({ url: database.url, max: 2 });
  admin = postgres(database.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await gateway?.close();
  await admin?.end();
  await database?.drop();
});

describe('the Postgres driver when a connection dies inside a transaction (as when Postgres restarts)', () => {
  it('rejects the transaction, keeps the process alive and serves the next queries', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      for (let round = 0; round < 10; round++) {
        const transaction = gateway.db.transaction(async (tx) => {
          const [row] = await runSql<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`);
          // Another session kills this backend while the transaction waits on a query.
          const waiting = runSql(tx, sql`select pg_sleep(5)`).then(
            () => new Error('the query survived its backend'),
            (error: unknown) => error,
          );
          await admin`select pg_terminate_backend(${row!.pid})`;
          throw await waiting;
        });
        await expect(transaction).rejects.toThrow();
        // The driver's rollback on the dead connection used to schedule a write that threw here.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const [check] = await runSql<{ one: number }>(gateway.db, sql`select 1 as one`);
        expect(check?.one).toBe(1);
      }
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
