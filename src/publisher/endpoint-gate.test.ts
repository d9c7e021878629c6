import { describe, expect, it } from 'vitest';
import { manualClock, systemClock } from '../clock.ts';
import { createEndpointGate, type EndpointGate, type GateTicket } from './endpoint-gate.ts';

function setup(limit = 3) {
  const clock = manualClock(1_000_000);
  const gate = createEndpointGate({ clock, limit, slowAfterMs: 1_000, timeoutMs: 30_000, random: () => 0 });
  return { clock, gate };
}

function admitted(ticket: GateTicket): { release(measured?: boolean): void } {
  if (!ticket.allowed) throw new Error(`deferred until ${ticket.retryAt}`);
  return ticket;
}

/** Twenty requests to `endpoint` that each answer in `ms`: the gate learns a typical duration. */
async function answerQuickly(gate: EndpointGate, clock: { advance(ms: number): void }, endpoint: string, ms: number): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const quick = admitted(await gate.enter(endpoint));
    clock.advance(ms);
    quick.release();
  }
}

/** Settles within a few milliseconds of real time, or reports that it is still waiting. */
async function within<T>(promise: Promise<T>, ms = 20): Promise<T | 'waiting'> {
  return Promise.race([promise, new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), ms))]);
}

describe('endpoint gate', () => {
  it('lets a new endpoint have `limit` requests in flight; the next waits, and goes once it answered fast', async () => {
    const { clock, gate } = setup();
    const first = admitted(await gate.enter('new'));
    admitted(await gate.enter('new'));
    admitted(await gate.enter('new'));
    const fourth = gate.enter('new');
    expect(await within(fourth)).toBe('waiting');
    // Another endpoint is not affected.
    admitted(await gate.enter('other'));
    clock.advance(5);
    first.release();
    admitted(await fourth);
    // Fast now: no limit at all.
    const many = await Promise.all(Array.from({ length: 50 }, () => gate.enter('new')));
    many.forEach((ticket) => admitted(ticket));
    expect(gate.inFlight('new')).toBe(53);
  });

  it('defers jobs of an endpoint whose requests are slow, by its typical duration, at most the timeout', async () => {
    const { clock, gate } = setup(1);
    await answerQuickly(gate, clock, 'healthy', 2);
    const slow = admitted(await gate.enter('slow'));
    clock.advance(30_000);
    slow.release();
    admitted(await gate.enter('slow'));
    clock.advance(100);
    expect(await gate.enter('slow')).toEqual({ allowed: false, retryAt: clock.now() + 30_000 });
  });

  it('limits a fast endpoint again once a request has been running longer than slowAfter', async () => {
    const { clock, gate } = setup();
    const warm = admitted(await gate.enter('ep'));
    clock.advance(2);
    warm.release();
    const stuck = await Promise.all(Array.from({ length: 10 }, () => gate.enter('ep')));
    clock.advance(1_500);
    const deferred = await gate.enter('ep');
    expect(deferred).toEqual({ allowed: false, retryAt: clock.now() + 1_500 });
    expect(gate.stuck()).toBe(10);
    stuck.forEach((ticket) => admitted(ticket).release());
  });

  it('does not call endpoints slow when every request is slow (an overloaded worker is not a slow endpoint)', async () => {
    const { clock, gate } = setup(1);
    for (const endpoint of ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c']) {
      const ticket = admitted(await gate.enter(endpoint));
      clock.advance(1_500);
      ticket.release();
    }
    const held = await Promise.all(Array.from({ length: 5 }, () => gate.enter('a')));
    held.forEach((ticket) => expect(ticket.allowed).toBe(true));
  });

  it('lets at most `limit` jobs wait for a new endpoint, and defers the others until its first requests are judged', async () => {
    const { clock, gate } = setup(2);
    admitted(await gate.enter('new'));
    admitted(await gate.enter('new'));
    const waiting = [gate.enter('new'), gate.enter('new')];
    // slowAfter is 1 s: by then the first requests have answered (fast) or turned slow.
    expect(await gate.enter('new')).toEqual({ allowed: false, retryAt: clock.now() + 1_000 });
    clock.advance(900);
    expect(await gate.enter('new')).toEqual({ allowed: false, retryAt: clock.now() + 250 });
    expect(await within(waiting[0]!)).toBe('waiting');
    // The waiting jobs hold worker slots for someone else's newness: the worker adds them back.
    expect(gate.stuck()).toBe(2);
  });

  it('counts a request to a new endpoint as holding a slot up once it runs several times longer than the typical one', async () => {
    const { clock, gate } = setup(5);
    await answerQuickly(gate, clock, 'healthy', 10);
    const hanging = admitted(await gate.enter('hangs'));
    // A known endpoint's request that is merely slower than usual (a busy machine) holds nothing up.
    const slower = admitted(await gate.enter('healthy'));
    clock.advance(60);
    expect(gate.stuck()).toBe(0);
    clock.advance(60);
    // 120 ms: past 100 ms and 4x the typical 10 ms, long before the 1 s that makes the endpoint slow.
    expect(gate.stuck()).toBe(1);
    clock.advance(1_000);
    expect(gate.stuck()).toBe(2);
    hanging.release();
    slower.release();
    expect(gate.stuck()).toBe(0);
  });

  it('defers the waiting jobs of a new endpoint once its first requests turn out to hang', async () => {
    const gate = createEndpointGate({ clock: systemClock, limit: 2, slowAfterMs: 40, timeoutMs: 5_000, random: () => 0 });
    const hanging = [admitted(await gate.enter('hangs')), admitted(await gate.enter('hangs'))];
    const waiting = [gate.enter('hangs'), gate.enter('hangs')];
    expect(await within(waiting[0]!, 10)).toBe('waiting');
    const settled = await Promise.all(waiting);
    for (const ticket of settled) {
      // Nothing has finished: no slot frees before the oldest request times out.
      expect(ticket.allowed).toBe(false);
      if (!ticket.allowed) expect(ticket.retryAt - Date.now()).toBeGreaterThan(4_000);
    }
    hanging.forEach((ticket) => ticket.release());
  });

  it('learns nothing from a slot released without a request (breaker open, endpoint disabled)', async () => {
    const { clock, gate } = setup(1);
    const slot = admitted(await gate.enter('open'));
    clock.advance(1);
    slot.release(false);
    admitted(await gate.enter('open'));
    // Still unproven: the next one waits.
    expect(await within(gate.enter('open'))).toBe('waiting');
  });

  it('counts a release once, and forgets idle endpoints beyond maxTracked', async () => {
    const clock = manualClock(0);
    const gate = createEndpointGate({ clock, limit: 1, slowAfterMs: 1_000, timeoutMs: 5_000, maxTracked: 2 });
    const ticket = admitted(await gate.enter('a'));
    ticket.release();
    ticket.release();
    expect(gate.inFlight('a')).toBe(0);
    const busy = admitted(await gate.enter('b'));
    admitted(await gate.enter('c')).release();
    admitted(await gate.enter('d')).release();
    expect(gate.inFlight('b')).toBe(1);
    busy.release();
  });
});
