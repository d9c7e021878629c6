import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../src/clock.ts';
import { createDatabase, DEFAULT_TENANT_ID, type Database } from '../src/db/index.ts';
import { createBreaker, createPostgresBreakerStore, type BreakerConfig } from '../src/breaker/index.ts';
import { createTestDatabase } from './helpers/database.ts';

const config: BreakerConfig = { failureThreshold: 5, openForMs: 60_000, successThreshold: 2, trialLeaseMs: 35_000 };
let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
let seq = 0;

beforeAll(async () => {
  testDb = await createTestDatabase('breaker');
  database = createDatabase({ url: testDb.url, max: 4 });
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

async function newEndpoint(): Promise<string> {
  const [row] = await database.sql<{ id: string }[]>`
    insert into endpoints (tenant_id, url) values (${DEFAULT_TENANT_ID}, ${`http://127.0.0.1:9/e${++seq}`}) returning id`;
  return row!.id;
}

async function stored(endpointId: string) {
  const [row] = await database.sql<{ state: string; failures: number; successes: number; opened_ms: number | null }[]>`
    select state::text, failures, successes, (extract(epoch from opened_at) * 1000)::float8 as opened_ms
    from circuit_breaker_state where endpoint_id = ${endpointId}`;
  return row;
}

describe('Postgres-backed breaker', () => {
  it('reproduces the seed timeline step by step, persisted, with every transition recorded', async () => {
    const endpointId = await newEndpoint();
    const clock = manualClock(Date.parse('2026-01-01T00:00:00Z'));
    const t0 = clock.now();
    const breaker = createBreaker({ store: createPostgresBreakerStore(database.db), clock, newId: () => crypto.randomUUID() });
    const at = async (seconds: number, outcome: 'success' | 'failure') => {
      clock.set(t0 + seconds * 1000);
      const ticket = await breaker.admit(endpointId, config);
      if (ticket.allowed) await breaker.record(endpointId, config, ticket, outcome);
      return ticket.allowed;
    };
    const table: [number, 'success' | 'failure', boolean, string, number, number][] = [
      // time, outcome if executed, executed?, state, failureCount, successCount
      [10, 'failure', true, 'closed', 1, 0],
      [15, 'failure', true, 'closed', 2, 0],
      [20, 'failure', true, 'closed', 3, 0],
      [25, 'failure', true, 'closed', 4, 0],
      [25, 'failure', true, 'open', 5, 0],
      [30, 'failure', false, 'open', 5, 0],
      [84, 'success', false, 'open', 5, 0],
      [85, 'failure', true, 'open', 5, 0],
      [144, 'success', false, 'open', 5, 0],
      [145, 'success', true, 'half_open', 5, 1],
      [150, 'success', true, 'closed', 0, 0],
    ];
    for (const [seconds, outcome, executed, state, failures, successes] of table) {
      expect(await at(seconds, outcome), `executed at ${seconds}s`).toBe(executed);
      expect(await stored(endpointId), `row at ${seconds}s`).toMatchObject({ state, failures, successes });
    }
    const transitions = await database.sql<{ from_state: string; to_state: string; reason: string; at_ms: number }[]>`
      select from_state::text, to_state::text, reason, (extract(epoch from at) * 1000)::float8 as at_ms from circuit_breaker_transitions where endpoint_id = ${endpointId} order by at, seq`;
    expect(transitions.map((t) => [(t.at_ms - t0) / 1000, t.from_state, t.to_state, t.reason])).toEqual([
      [25, 'closed', 'open', 'failure_threshold'],
      [85, 'open', 'half_open', 'open_timeout'],
      [85, 'half_open', 'open', 'trial_failed'],
      [145, 'open', 'half_open', 'open_timeout'],
      [150, 'half_open', 'closed', 'success_threshold'],
    ]);
  });

  it('stays open across a restart until 60 s after opened_at', async () => {
    const endpointId = await newEndpoint();
    const clock = manualClock(Date.parse('2026-02-01T00:00:00Z'));
    const opened = clock.now();
    const first = createBreaker({ store: createPostgresBreakerStore(database.db), clock, newId: () => crypto.randomUUID() });
    for (let i = 0; i < 5; i++) await first.record(endpointId, config, await first.admit(endpointId, config), 'failure');
    expect(await stored(endpointId)).toMatchObject({ state: 'open', opened_ms: opened });

    // A new process: new connections, new breaker, same Postgres.
    const other = createDatabase({ url: testDb.url, max: 1 });
    try {
      const restarted = createBreaker({ store: createPostgresBreakerStore(other.db), clock, newId: () => crypto.randomUUID() });
      clock.set(opened + 59_999);
      expect((await restarted.admit(endpointId, config)).allowed).toBe(false);
      clock.set(opened + 60_000);
      expect((await restarted.admit(endpointId, config)).allowed).toBe(true);
      expect(await stored(endpointId)).toMatchObject({ state: 'half_open' });
    } finally {
      await other.close();
    }
  });

  it('lets exactly one of many concurrent callers, on separate connections, take the half-open trial', async () => {
    const endpointId = await newEndpoint();
    const clock = manualClock(Date.parse('2026-03-01T00:00:00Z'));
    const seedBreaker = createBreaker({ store: createPostgresBreakerStore(database.db), clock, newId: () => crypto.randomUUID() });
    for (let i = 0; i < 5; i++) await seedBreaker.record(endpointId, config, await seedBreaker.admit(endpointId, config), 'failure');
    clock.advance(60_000);
    const pools = Array.from({ length: 4 }, () => createDatabase({ url: testDb.url, max: 5 }));
    try {
      const breakers = pools.map((pool) => createBreaker({ store: createPostgresBreakerStore(pool.db), clock, newId: () => crypto.randomUUID() }));
      const tickets = await Promise.all(Array.from({ length: 40 }, (_, i) => breakers[i % breakers.length]!.admit(endpointId, config)));
      expect(tickets.filter((t) => t.allowed)).toHaveLength(1);
      const transitions = await database.sql`select 1 from circuit_breaker_transitions where endpoint_id = ${endpointId} and to_state = 'half_open'`;
      expect(transitions).toHaveLength(1);
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
    }
  });

  it('counts failures from concurrent workers without losing any', async () => {
    const endpointId = await newEndpoint();
    const clock = manualClock(Date.parse('2026-04-01T00:00:00Z'));
    const many = { ...config, failureThreshold: 1000 };
    const pools = Array.from({ length: 3 }, () => createDatabase({ url: testDb.url, max: 5 }));
    try {
      const breakers = pools.map((pool) => createBreaker({ store: createPostgresBreakerStore(pool.db), clock, newId: () => crypto.randomUUID() }));
      await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const breaker = breakers[i % breakers.length]!;
          await breaker.record(endpointId, many, await breaker.admit(endpointId, many), 'failure');
        }),
      );
      expect(await stored(endpointId)).toMatchObject({ state: 'closed', failures: 60 });
    } finally {
      await Promise.all(pools.map((pool) => pool.close()));
    }
  });
});
