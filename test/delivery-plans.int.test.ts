import { PgDialect } from 'drizzle-orm/pg-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_ID } from '../src/db/index.ts';
import { deliveryContextsStatement } from '../src/publisher/delivery-store.ts';
import { createTestDatabase } from './helpers/database.ts';

// A Postgres connection keeps a prepared statement's generic plan for its whole life, planned on
// whatever the tables held at the time. The worker's context load must stay a handful of
// primary-key probes however small the tables were then: a sequential scan frozen into that plan
// costs more with every row the tables gain (it did, as hash joins, until the lookups were fenced).

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: postgres.Sql;
let deliveryIds: string[];

beforeAll(async () => {
  testDb = await createTestDatabase('delivery_plans');
  sql = postgres(testDb.url, { max: 1, onnotice: () => {} });
  const [endpoint] = await sql<{ id: string }[]>`
    insert into endpoints (tenant_id, url) values (${DEFAULT_TENANT_ID}, 'https://example.com/hook') returning id`;
  await sql`
    insert into events (tenant_id, type, payload, correlation_id)
    select ${DEFAULT_TENANT_ID}, 'order.created', '{"n":1}'::jsonb, gen_random_uuid() from generate_series(1, 20)`;
  const rows = await sql<{ id: string }[]>`
    insert into deliveries (tenant_id, event_id, endpoint_id, next_attempt_at)
    select tenant_id, id, ${endpoint!.id}, now() from events returning id`;
  deliveryIds = rows.map((row) => row.id);
});
afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await testDb?.drop();
});

/** The plan Postgres keeps for the statement once it settles on a generic plan, on these small tables. */
async function genericPlan(statementSql: string): Promise<string> {
  await sql.unsafe('set plan_cache_mode = force_generic_plan');
  await sql.unsafe(`prepare contexts (text) as ${statementSql}`);
  try {
    const rows = await sql.unsafe<{ 'QUERY PLAN': string }[]>(`explain execute contexts(${literal(JSON.stringify(deliveryIds.slice(0, 3)))})`);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await sql.unsafe('deallocate contexts');
    await sql.unsafe('reset plan_cache_mode');
  }
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

describe('the delivery context load', () => {
  it('reads deliveries, events and endpoints by primary key in its generic plan, even on small tables', async () => {
    const query = new PgDialect().sqlToQuery(deliveryContextsStatement(deliveryIds.slice(0, 3)));
    expect(query.params).toHaveLength(1);
    const plan = await genericPlan(query.sql);
    expect(plan).not.toMatch(/Seq Scan on (deliveries|events|endpoints|circuit_breaker_state)/);
    expect(plan).toMatch(/Index Scan using deliveries_pkey/);
    expect(plan).toMatch(/Index Scan using events_pkey/);
  });
});
