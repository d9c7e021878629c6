import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { createEndpointGate, type GateTicket } from './endpoint-gate.ts';

function setup(limit = 3) {
  const clock = manualClock(1_000_000);
  const gate = createEndpointGate({ clock, limit, slowAfterMs: 1_000, timeoutMs: 30_000, random: () => 0 });
  return { clock, gate };
}

function admitted(ticket: GateTicket): { release(measured?: boolean): void } {
  if (!ticket.allowed) throw new Error(`deferred until ${ticket.retryAt}`);
  return ticket;
}

describe('endpoint gate', () => {
  it('lets a new endpoint have `limit` requests in flight, and defers the next one briefly', () => {
    const { clock, gate } = setup();
    for (let i = 0; i < 3; i++) admitted(gate.enter('new'));
    const deferred = gate.enter('new');
    expect(deferred).toEqual({ allowed: false, retryAt: clock.now() + 250 });
    expect(gate.inFlight('new')).toBe(3);
    // Another endpoint is not affected.
    admitted(gate.enter('other'));
  });

  it('lifts the limit once the endpoint has answered fast', () => {
    const { clock, gate } = setup();
    const first = admitted(gate.enter('fast'));
    clock.advance(5);
    first.release();
    const many = Array.from({ length: 50 }, () => admitted(gate.enter('fast')));
    expect(gate.inFlight('fast')).toBe(50);
    many.forEach((ticket) => ticket.release());
    expect(gate.inFlight('fast')).toBe(0);
  });

  it('limits a fast endpoint again as soon as a request has run longer than slowAfter', () => {
    const { clock, gate } = setup();
    const warm = admitted(gate.enter('ep'));
    clock.advance(2);
    warm.release();
    const stuck = Array.from({ length: 10 }, () => admitted(gate.enter('ep')));
    clock.advance(1_500);
    // Ten requests hang: the endpoint is slow now, and already over its limit.
    const deferred = gate.enter('ep');
    expect(deferred.allowed).toBe(false);
    if (!deferred.allowed) expect(deferred.retryAt).toBe(clock.now() + 1_500);
    stuck.forEach((ticket) => ticket.release());
  });

  it('defers by the typical duration of a slow endpoint, at most the timeout', () => {
    const { clock, gate } = setup(1);
    const slow = admitted(gate.enter('slow'));
    clock.advance(30_000);
    slow.release();
    admitted(gate.enter('slow'));
    clock.advance(100);
    const deferred = gate.enter('slow');
    expect(deferred).toEqual({ allowed: false, retryAt: clock.now() + 30_000 });
  });

  it('learns nothing from a slot released without a request (breaker open, endpoint disabled)', () => {
    const { clock, gate } = setup(1);
    const slot = admitted(gate.enter('open'));
    clock.advance(1);
    slot.release(false);
    admitted(gate.enter('open'));
    // Still unproven: the limit holds.
    expect(gate.enter('open').allowed).toBe(false);
  });

  it('counts a release once, and forgets idle endpoints beyond maxTracked', () => {
    const clock = manualClock(0);
    const gate = createEndpointGate({ clock, limit: 1, slowAfterMs: 1_000, timeoutMs: 5_000, maxTracked: 2 });
    const ticket = admitted(gate.enter('a'));
    ticket.release();
    ticket.release();
    expect(gate.inFlight('a')).toBe(0);
    const busy = admitted(gate.enter('b'));
    admitted(gate.enter('c')).release();
    admitted(gate.enter('d')).release();
    expect(gate.inFlight('b')).toBe(1);
    busy.release();
  });
});
