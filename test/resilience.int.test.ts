import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, DEFAULT_TENANT_ID, type Database } from '../src/db/index.ts';
import { publishEvent, publishInTransaction, type DeliveryView, type EndpointView } from '../src/publisher/index.ts';
import { deleteRedisPrefix, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

type List<T> = { data: T[]; nextCursor: string | null };
let gw: TestGateway;
let own: Database;

beforeAll(async () => {
  gw = await startTestGateway('resilience', { BREAKER_FAILURES: '1000' });
  own = createDatabase({ url: gw.config.databaseUrl, max: 2 });
});
afterAll(async () => {
  await own?.close();
  await gw?.stop();
});

async function endpoint(url: string, eventTypes: string[]): Promise<EndpointView> {
  const { status, body } = await gw.api<EndpointView>('/v1/endpoints', { body: { url, eventTypes } });
  expect(status).toBe(201);
  return body;
}

async function deliveries(endpointId: string): Promise<DeliveryView[]> {
  return (await gw.api<List<DeliveryView>>(`/v1/deliveries?endpointId=${endpointId}&limit=1000`)).body.data;
}

describe('Postgres is the source of truth', () => {
  it('completes every delivery after Redis loses all its jobs mid-flight', async () => {
    // The receiver fails each webhook's first request, so at the flush most deliveries wait on a delayed retry job.
    const seen = new Set<string>();
    const receiver = await startReceiver((request) => {
      const id = String(request.headers['webhook-id']);
      if (seen.has(id)) return { status: 200 };
      seen.add(id);
      return { status: 500 };
    });
    const ep = await endpoint(receiver.url, ['flush.*']);
    const published = await Promise.all(
      Array.from({ length: 40 }, (_, i) => gw.api<{ id: string }>('/v1/events', { body: { type: 'flush.test', payload: { i } } })),
    );
    expect(published.every((r) => r.status === 202)).toBe(true);
    await waitFor('first attempts', () => seen.size >= 20);
    const removed = await deleteRedisPrefix(gw.config.queuePrefix);
    expect(removed).toBeGreaterThan(0);
    let last: DeliveryView[] = [];
    await waitFor(
      'all 40 delivered',
      async () => {
        last = await deliveries(ep.id);
        return last.length === 40 && last.every((d) => d.status === 'succeeded');
      },
      45_000,
      100,
    ).catch((error: unknown) => {
      // Say where the stragglers are, so a failure on a loaded machine can be told from a lost delivery.
      const stragglers = last.filter((d) => d.status !== 'succeeded').map((d) => `${d.id} ${d.status} attempts=${d.attemptCount}`);
      throw new Error(`${String(error)}; not succeeded: ${stragglers.join(', ')}`);
    });
    const uniqueDelivered = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
    expect(uniqueDelivered.size).toBe(40);
    await receiver.close();
  }, 60_000);

  it('delivers an event whose job was never queued (crash between commit and enqueue) through the reconciler', async () => {
    const receiver = await startReceiver();
    await endpoint(receiver.url, ['orphan.created']);
    // Commit without queueing and without notifying: only the reconciler can find it.
    const event = await publishEvent(own.db, { tenantId: DEFAULT_TENANT_ID, type: 'orphan.created', payload: { n: 1 } }, { notify: false });
    expect(event.deliveries).toHaveLength(1);
    await waitFor('reconciled delivery', () => receiver.requests.length === 1, 10_000);
    expect(receiver.requests[0]?.headers['webhook-id']).toBe(event.deliveries[0]?.id);
    await receiver.close();
  });
});

describe('publishing inside the caller’s transaction', () => {
  it('delivers when the business write commits, and nothing when it rolls back', async () => {
    const receiver = await startReceiver();
    await endpoint(receiver.url, ['order.created']);
    const sql = postgres(gw.config.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      await sql`create table if not exists orders (id serial primary key, total int not null)`;
      // Rolled back: neither the order nor the event exists, and nothing is delivered.
      await expect(
        sql.begin(async (tx) => {
          const [order] = await tx`insert into orders (total) values (100) returning id`;
          await publishInTransaction(tx, { tenantId: DEFAULT_TENANT_ID, type: 'order.created', payload: { orderId: order?.id, rolledBack: true } });
          throw new Error('payment declined');
        }),
      ).rejects.toThrow('payment declined');
      // Committed: the order and its event exist together, and the dispatcher delivers right after the commit.
      const started = Date.now();
      const published = await sql.begin(async (tx) => {
        const [order] = await tx`insert into orders (total) values (250) returning id`;
        return publishInTransaction(tx, { tenantId: DEFAULT_TENANT_ID, type: 'order.created', payload: { orderId: order?.id } });
      });
      await waitFor('committed event', () => receiver.requests.length === 1);
      expect(Date.now() - started).toBeLessThan(2_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(receiver.requests).toHaveLength(1);
      expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ id: published.id, type: 'order.created', data: { orderId: 2 } });
      const [orders] = await sql`select count(*)::int as n from orders`;
      expect(orders?.n).toBe(1);
      const [events] = await sql`select count(*)::int as n from events where type = 'order.created'`;
      expect(events?.n).toBe(1);
    } finally {
      await sql.end();
    }
    await receiver.close();
  });

  it('also works inside a drizzle transaction', async () => {
    const receiver = await startReceiver();
    await endpoint(receiver.url, ['drizzle.tx']);
    const event = await own.db.transaction((tx) => publishInTransaction(tx, { tenantId: DEFAULT_TENANT_ID, type: 'drizzle.tx', payload: [1, 2] }));
    await waitFor('delivered', () => receiver.requests.length === 1);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ id: event.id, data: [1, 2] });
    await receiver.close();
  });
});
