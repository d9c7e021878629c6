import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../cli/index.ts';
import type { DeliveryView } from '../publisher/index.ts';
import { createMonitor, type BreakerView } from './monitor.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function delivery(id: string, fields: Partial<DeliveryView>): DeliveryView {
  return {
    id,
    webhookId: id,
    eventId: `evt-${id}`,
    endpointId: 'ep',
    status: 'pending',
    series: 1,
    attemptCount: 0,
    nextAttemptAt: null,
    lastAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    createdAt: at(0),
    updatedAt: at(0),
    ...fields,
  };
}

/** An API that answers from `world`, which the test changes between polls. */
function fakeApi(world: { deliveries: DeliveryView[]; breaker: BreakerView; transitions: { id: string; from: string; to: string; reason: string; at: string }[]; open: number }): ApiClient {
  const answer = (path: string): unknown => {
    if (path.startsWith('/v1/deliveries')) return { data: world.deliveries };
    if (path.endsWith('/breaker')) return world.breaker;
    if (path.includes('/breaker/transitions')) return { data: [...world.transitions].reverse() };
    if (path.includes('status=open')) return { data: Array.from({ length: world.open }) };
    if (path.includes('status=redelivered')) return { data: [] };
    throw new Error(`unexpected ${path}`);
  };
  return {
    baseUrl: 'http://fake',
    request: async <T>(_method: string, path: string) => answer(path) as T,
    exchange: async <T>(_method: string, path: string) => ({ status: 200, headers: new Headers(), body: answer(path) as T }),
  };
}

describe('demo monitor', () => {
  it('turns changes between two looks into activity lines, each once', async () => {
    const world = {
      deliveries: [delivery('a', {}), delivery('b', { status: 'succeeded', attemptCount: 1 })],
      breaker: { state: 'closed', failures: 0, successes: 0, halfOpenAt: null } as BreakerView,
      transitions: [] as { id: string; from: string; to: string; reason: string; at: string }[],
      open: 0,
    };
    const events = new Map([
      ['evt-a', { seq: 1, type: 'order.created' }],
      ['evt-b', { seq: 2, type: 'order.paid' }],
    ]);
    const monitor = createMonitor({ api: fakeApi(world), endpoints: [{ name: 'crm', id: 'ep', eventTypes: ['*'] }], events, startedAt: T0, now: () => T0 + 1_000 });

    const first = await monitor.poll();
    expect(first.activity).toEqual([]);
    expect(first.endpoints[0]).toMatchObject({ delivered: 1, queued: 1, retrying: 0, dead: 0, recovered: 0 });

    world.deliveries = [
      delivery('a', { status: 'failed', attemptCount: 1, lastStatusCode: 503, lastError: 'HTTP 503', nextAttemptAt: at(2_000), updatedAt: at(900) }),
      world.deliveries[1] as DeliveryView,
    ];
    world.transitions = [{ id: 't1', from: 'closed', to: 'open', reason: 'failure_threshold', at: at(950) }];
    const second = await monitor.poll();
    expect(second.activity.map((a) => [a.atMs, a.kind, a.text])).toEqual([
      [900, 'failed', 'crm      #1   order.created  attempt 1 failed: HTTP 503; retry in 1s'],
      [950, 'breaker', 'crm      breaker OPENS after consecutive failures: no requests until a trial'],
    ]);
    expect(second.endpoints[0]).toMatchObject({ retrying: 1, queued: 0 });
    expect((await monitor.poll()).activity).toEqual([]);

    world.deliveries[0] = delivery('a', { status: 'failed', attemptCount: 2, lastError: 'circuit open: no request sent', nextAttemptAt: at(3_000), updatedAt: at(1_000) });
    expect((await monitor.poll()).activity.map((a) => a.text)).toEqual(['crm      #1   order.created  attempt 2 skipped: breaker open; retry in 2s']);

    world.deliveries[0] = delivery('a', { status: 'dead', attemptCount: 4, lastError: 'circuit open: no request sent', updatedAt: at(5_000) });
    world.open = 1;
    const dead = await monitor.poll();
    expect(dead.activity.map((a) => a.text)).toEqual(['crm      #1   order.created  dead-lettered after 4 attempts (last: breaker open, not sent)']);
    expect(dead.deadLetters).toEqual({ open: 1, redelivered: 0 });
    expect(dead.endpoints[0]).toMatchObject({ dead: 1 });

    world.deliveries[0] = delivery('a', { status: 'pending', series: 2, attemptCount: 0, updatedAt: at(6_000) });
    expect((await monitor.poll()).activity).toEqual([]);
    world.deliveries[0] = delivery('a', { status: 'succeeded', series: 2, attemptCount: 1, lastStatusCode: 200, updatedAt: at(6_100) });
    const redelivered = await monitor.poll();
    expect(redelivered.activity.map((a) => [a.kind, a.text])).toEqual([['recovered', 'crm      #1   order.created  delivered by redelivery (attempt series 2)']]);
    expect(redelivered.endpoints[0]).toMatchObject({ delivered: 2, recovered: 1, dead: 0 });
  });
});
