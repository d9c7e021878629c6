import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../src/clock.ts';
import { createDatabase, migrateDatabase, type Database } from '../src/db/index.ts';
import { createLogger } from '../src/logger.ts';
import { createDeliveryProcessor, createDeliveryQueue, createEndpointGate, createHttpSender, createTargetGuard, type DeliveryQueue } from '../src/publisher/index.ts';
import { createSecretBox } from '../src/secrets/index.ts';
import { createTestDatabase } from './helpers/database.ts';
import { deleteRedisPrefix } from './helpers/gateway.ts';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
let redis: Redis;
let queue: DeliveryQueue;
const prefix = `test-${randomUUID()}`;

beforeAll(async () => {
  testDb = await createTestDatabase('delivery_processor');
  await migrateDatabase(testDb.url);
  database = createDatabase({ url: testDb.url, max: 2 });
  redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  queue = createDeliveryQueue({ connection: redis, prefix });
});
afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await deleteRedisPrefix(prefix);
  await database?.close();
  await testDb?.drop();
});

describe('delivery processor and the endpoint gate', () => {
  it('defers the job of a slow endpoint named in the job before reading Postgres; without the name it reads first', async () => {
    const clock = manualClock(1_000_000);
    const gate = createEndpointGate({ clock, limit: 1, slowAfterMs: 1_000, timeoutMs: 30_000, random: () => 0 });
    const sender = createHttpSender({ timeoutMs: 1_000, responseBodyLimit: 1024, clock, guard: createTargetGuard({ allowPrivateTargets: true, allowedCidrs: [], httpsOnly: false }) });
    const process = createDeliveryProcessor({
      db: database.db,
      queue,
      sender,
      clock,
      policy: { schedule: [60_000], permanentStatusCodes: [], retryAfterMaxMs: 60_000, jitter: 0 },
      logger: createLogger('silent'),
      breaker: undefined,
      breakerDefaults: { failures: 5, openForMs: 60_000, successes: 2, trialLeaseMs: 35_000 },
      secretBox: createSecretBox({}),
      gate,
    });
    // The endpoint has one request hanging for longer than the slow threshold: it is slow and full.
    const hanging = await gate.enter('ep-slow');
    clock.advance(2_000);
    // No such delivery exists: a processor that read Postgres first would call the job stale.
    const named = await process({ deliveryId: randomUUID(), series: 1, attempt: 1, endpointId: 'ep-slow' });
    expect(named).toEqual({ kind: 'deferred', retryAt: clock.now() + 28_000 });
    const unnamed = await process({ deliveryId: randomUUID(), series: 1, attempt: 1 });
    expect(unnamed).toEqual({ kind: 'stale', why: 'delivery no longer exists' });
    // A stale job gives back the slot it was admitted with.
    if (hanging.allowed) hanging.release();
    expect(await process({ deliveryId: randomUUID(), series: 1, attempt: 1, endpointId: 'ep-slow' })).toMatchObject({ kind: 'stale' });
    expect(gate.inFlight('ep-slow')).toBe(0);
    await sender.close();
  });
});
