import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, DEFAULT_TENANT_ID, type Database } from '../src/db/index.ts';
import { deliveryContextsStatement, loadDeliveryContexts, recordAttemptsStatement, type AttemptRecord } from '../src/publisher/delivery-store.ts';
import { pendingDeliveriesStatement } from '../src/publisher/outbox-dispatcher.ts';
import { createTestDatabase } from './helpers/database.ts';

// A Postgres connection keeps a prepared statement's generic plan for its whole life, planned on
// whatever the tables held at the time. The worker's two statements per batch must stay
// primary-key lookups in that plan, and the outbox dispatcher's an index lookup per event: a scan
// frozen into it costs more with every row the tables gain (the context load did that, as hash
// joins, until its lookups were fenced; the attempt recording until it named the deliveries' keys;
// the dispatcher read every due delivery per flush until each event's lookup was fenced).

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: postgres.Sql;
let database: Database;
let deliveryIds: string[];
let endpointId: string;

/** `count` more events, each with a delivery to the endpoint. */
async function addDeliveries(count: number): Promise<void> {
  await sql`
    insert into events (tenant_id, type, payload, correlation_id)
    select ${DEFAULT_TENANT_ID}, 'order.created', '{"n":1}'::jsonb, gen_random_uuid() from generate_series(1, ${count}::int)`;
  await sql`
    insert into deliveries (tenant_id, event_id, endpoint_id, next_attempt_at)
    select ev.tenant_id, ev.id, ${endpointId}, now() from events ev
    where not exists (select 1 from deliveries d where d.event_id = ev.id)`;
}

beforeAll(async () => {
  testDb = await createTestDatabase('delivery_plans');
  sql = postgres(testDb.url, { max: 1, onnotice: () => {} });
  database = createDatabase({ url: testDb.url, max: 1 });
  const [endpoint] = await sql<{ id: string }[]>`
    insert into endpoints (tenant_id, url) values (${DEFAULT_TENANT_ID}, 'https://example.com/hook') returning id`;
  endpointId = endpoint!.id;
  await addDeliveries(20);
  deliveryIds = (await sql<{ id: string }[]>`select id from deliveries order by id limit 3`).map((row) => row.id);
});
afterAll(async () => {
  await database?.close();
  await sql?.end({ timeout: 1 });
  await testDb?.drop();
});

/** The plan Postgres keeps for the statement once it settles on a generic plan. */
async function genericPlan(statement: SQL): Promise<string> {
  const query = new PgDialect().sqlToQuery(statement);
  const literal = (value: unknown) => `'${String(value).replace(/'/g, "''")}'`;
  await sql.unsafe('set plan_cache_mode = force_generic_plan');
  await sql.unsafe(`prepare plan_check as ${query.sql}`);
  try {
    const rows = await sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain execute plan_check(${query.params.map(literal).join(', ')})`);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await sql.unsafe('deallocate plan_check');
    await sql.unsafe('reset plan_cache_mode');
  }
}

function expectContextLoadByPrimaryKey(plan: string): void {
  expect(plan).not.toMatch(/Seq Scan on (deliveries|events|endpoints|circuit_breaker_state)/);
  expect(plan).toMatch(/Index Scan using deliveries_pkey/);
  expect(plan).toMatch(/Index Scan using events_pkey/);
}

// In order: the tables first hold 20 rows (never analyzed, as on a fresh database), then 5,000 with
// fresh statistics: few enough that the recording, joined on its input alone, reads the whole table
// (its generic plan did at 500-5,000 rows, analyzed or not; from 20,000 it used the primary key).
describe('the delivery path statements', () => {
  it('the context load reads deliveries, events and endpoints by primary key on nearly empty tables', async () => {
    expectContextLoadByPrimaryKey(await genericPlan(deliveryContextsStatement(deliveryIds)));
  });

  it("the outbox dispatcher reads each event's deliveries by the event index, not every due delivery", async () => {
    const [event] = await sql<{ id: string }[]>`select event_id as id from deliveries limit 1`;
    const plan = await genericPlan(pendingDeliveriesStatement([event!.id]));
    expect(plan).toMatch(/deliveries_event_endpoint_idx/);
    expect(plan).not.toMatch(/deliveries_due_idx|Seq Scan on deliveries/);
  });

  it('on 5,000 analyzed deliveries the context load and the attempt recording find them by primary key', async () => {
    await addDeliveries(5_000);
    await sql`analyze events, deliveries`;
    expectContextLoadByPrimaryKey(await genericPlan(deliveryContextsStatement(deliveryIds)));
    const contexts = await loadDeliveryContexts(database.db, deliveryIds);
    const records: AttemptRecord[] = contexts.map((context) => {
      if (!context) throw new Error('delivery not found');
      return {
        context,
        attempt: 1,
        trigger: 'scheduled',
        startedAt: Date.now(),
        outcome: { ok: true, status: 200, durationMs: 3, responseBody: 'ok' },
        step: { kind: 'succeeded' },
        nextAttemptAt: null,
      };
    });
    const plan = await genericPlan(recordAttemptsStatement(records));
    expect(plan).not.toMatch(/Seq Scan on deliveries/);
    expect(plan).toMatch(/deliveries_pkey/);
  });
});
