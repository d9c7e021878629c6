import postgres, { type Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/database.ts';
import { createPostgresIdempotencyStore, PROCESSED_WEBHOOKS_DDL, type IdempotencyStore } from './index.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sql: Sql;

beforeAll(async () => {
  database = await createTestDatabase('receiver_pg_store');
  sql = postgres(database.url, { max: 25, onnotice: () => {} });
  await sql.unsafe(PROCESSED_WEBHOOKS_DDL);
  await sql.unsafe(PROCESSED_WEBHOOKS_DDL); // idempotent
});

afterAll(async () => {
  await sql?.end({ timeout: 1 });
  await database?.drop();
});

type Row = { status: string; claim_token: string | null; locked_until: Date | null; processed_at: Date | null; webhook_timestamp: Date | null; event_type: string | null };
const row = async (id: string): Promise<Row | undefined> =>
  (await sql<Row[]>`select status, claim_token, locked_until, processed_at, webhook_timestamp, event_type from processed_webhooks where webhook_id = ${id}`)[0];
const store = (leaseMs?: number): IdempotencyStore => createPostgresIdempotencyStore({ sql, ...(leaseMs === undefined ? {} : { leaseMs }) });
const expireLease = (id: string) => sql`update processed_webhooks set locked_until = now() - interval '1 second' where webhook_id = ${id}`;

describe('Postgres idempotency store', () => {
  it('claim, in_progress for other copies, complete, then duplicate', async () => {
    const [a, b] = [store(), store()];
    expect(await a.claim('pg_1', { timestamp: 1_700_000_000, eventType: 'invoice.paid' })).toBe('claimed');
    const claimed = await row('pg_1');
    expect(claimed).toMatchObject({ status: 'processing', processed_at: null, event_type: 'invoice.paid' });
    expect(claimed?.webhook_timestamp?.getTime()).toBe(1_700_000_000_000);
    expect(claimed?.claim_token).toMatch(/^[0-9a-f-]{36}$/);
    const leaseLeft = (claimed?.locked_until?.getTime() ?? 0) - Date.now();
    expect(leaseLeft).toBeGreaterThan(50_000);
    expect(leaseLeft).toBeLessThanOrEqual(61_000);

    expect(await b.claim('pg_1')).toBe('in_progress');
    expect(await a.claim('pg_1')).toBe('in_progress');
    await a.complete('pg_1');
    expect(await row('pg_1')).toMatchObject({ status: 'processed', claim_token: null, locked_until: null });
    expect(await b.claim('pg_1')).toBe('duplicate');
    expect(await a.claim('pg_1')).toBe('duplicate');
  });

  it('release deletes the claim so a retry is processed', async () => {
    const [a, b] = [store(), store()];
    expect(await a.claim('pg_2')).toBe('claimed');
    await a.release('pg_2');
    expect(await row('pg_2')).toBeUndefined();
    expect(await b.claim('pg_2')).toBe('claimed');
    await b.complete('pg_2');
    expect(await a.claim('pg_2')).toBe('duplicate');
  });

  it('release never deletes a processed row or a claim held by another instance', async () => {
    const [a, b] = [store(), store()];
    expect(await a.claim('pg_3')).toBe('claimed');
    await b.release('pg_3');
    expect(await row('pg_3')).toMatchObject({ status: 'processing' });
    await a.complete('pg_3');
    await a.release('pg_3');
    expect(await row('pg_3')).toMatchObject({ status: 'processed' });
  });

  it('of 20 concurrent claims exactly one wins', async () => {
    for (const id of ['pg_race_1', 'pg_race_2', 'pg_race_3']) {
      const stores = Array.from({ length: 20 }, () => store());
      const outcomes = await Promise.all(stores.map((s) => s.claim(id)));
      expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'in_progress')).toHaveLength(19);
      const winner = stores[outcomes.indexOf('claimed')];
      await winner?.complete(id);
      const again = await Promise.all(stores.map((s) => s.claim(id)));
      expect(new Set(again)).toEqual(new Set(['duplicate']));
    }
  });

  it('an expired lease (crashed holder) can be claimed again, and the old holder cannot release it', async () => {
    const [crashed, retry] = [store(), store()];
    expect(await crashed.claim('pg_4')).toBe('claimed');
    const before = await row('pg_4');
    expect(await retry.claim('pg_4')).toBe('in_progress');
    await expireLease('pg_4');
    expect(await retry.claim('pg_4')).toBe('claimed');
    const after = await row('pg_4');
    expect(after?.claim_token).not.toBe(before?.claim_token);
    expect(after?.locked_until?.getTime()).toBeGreaterThan(Date.now());

    await crashed.release('pg_4'); // a late failure of the first holder
    expect(await row('pg_4')).toMatchObject({ status: 'processing', claim_token: after?.claim_token });
    await retry.complete('pg_4');
    expect(await crashed.claim('pg_4')).toBe('duplicate');
  });

  it('of 20 concurrent takeovers of an expired lease exactly one wins', async () => {
    expect(await store().claim('pg_5')).toBe('claimed');
    await expireLease('pg_5');
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => store().claim('pg_5')));
    expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'in_progress')).toHaveLength(19);
  });

  it('honours leaseMs in real time', async () => {
    const [a, b] = [store(200), store(200)];
    expect(await a.claim('pg_6')).toBe('claimed');
    expect(await b.claim('pg_6')).toBe('in_progress');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await b.claim('pg_6')).toBe('claimed');
  });

  it('complete records the id as processed even when the claim was lost', async () => {
    const [a, b] = [store(), store()];
    expect(await a.claim('pg_7')).toBe('claimed');
    await sql`delete from processed_webhooks where webhook_id = 'pg_7'`;
    await a.complete('pg_7');
    expect(await row('pg_7')).toMatchObject({ status: 'processed' });
    expect(await b.claim('pg_7')).toBe('duplicate');
  });

  it('the table refuses impossible states', async () => {
    await expect(sql`insert into processed_webhooks (webhook_id, status) values ('pg_8', 'processing')`).rejects.toThrow(
      /processed_webhooks_state/,
    );
    await expect(
      sql`insert into processed_webhooks (webhook_id, status, processed_at, locked_until) values ('pg_8', 'processed', now(), now())`,
    ).rejects.toThrow(/processed_webhooks_state/);
  });
});
