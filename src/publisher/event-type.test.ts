import { describe, expect, it } from 'vitest';
import { isEventType, isEventTypePattern, matchesEventType } from './event-type.ts';

describe('event types', () => {
  it('accepts dotted names and rejects anything else', () => {
    for (const ok of ['order', 'order.created', 'invoice.payment_failed', 'a-b.c_d.9']) expect(isEventType(ok)).toBe(true);
    for (const bad of ['', '.', 'order.', '.order', 'order..created', 'order.*', 'order created', 'ordér', 'a'.repeat(201)])
      expect(isEventType(bad)).toBe(false);
  });

  it('accepts exact, prefix wildcard and catch-all patterns only', () => {
    for (const ok of ['*', 'order.*', 'order.created', 'a.b.*']) expect(isEventTypePattern(ok)).toBe(true);
    for (const bad of ['**', 'order.*.created', '*.created', 'order*', 'order.**', '', 'order.'])
      expect(isEventTypePattern(bad)).toBe(false);
  });

  it('matches exact types, prefixes at any depth, and everything for an empty filter', () => {
    expect(matchesEventType([], 'x.y')).toBe(true);
    expect(matchesEventType(['*'], 'x.y')).toBe(true);
    expect(matchesEventType(['order.created'], 'order.created')).toBe(true);
    expect(matchesEventType(['order.created'], 'order.updated')).toBe(false);
    expect(matchesEventType(['order.*'], 'order.created')).toBe(true);
    expect(matchesEventType(['order.*'], 'order.item.added')).toBe(true);
    expect(matchesEventType(['order.*'], 'order')).toBe(false);
    expect(matchesEventType(['order.*'], 'orders.created')).toBe(false);
    expect(matchesEventType(['invoice.paid', 'order.*'], 'invoice.paid')).toBe(true);
  });
});
