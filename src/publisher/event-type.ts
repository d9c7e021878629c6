/**
 * Event types are dot-separated segments (`order.created`, `invoice.payment_failed`).
 * Endpoint filters hold exact types, `prefix.*` wildcards (any type under the prefix, at any depth),
 * or `*` for everything; an empty filter also means everything.
 */

const SEGMENT = '[A-Za-z0-9_-]+';
const EVENT_TYPE = new RegExp(`^${SEGMENT}(\\.${SEGMENT})*$`);
const FILTER = new RegExp(`^(\\*|${SEGMENT}(\\.${SEGMENT})*(\\.\\*)?)$`);

/** Longest accepted event type or filter pattern. */
export const MAX_EVENT_TYPE_LENGTH = 200;

/** True for a well-formed event type such as `order.created`. */
export function isEventType(value: string): boolean {
  return value.length <= MAX_EVENT_TYPE_LENGTH && EVENT_TYPE.test(value);
}

/** True for a well-formed filter pattern: an event type, `prefix.*`, or `*`. */
export function isEventTypePattern(value: string): boolean {
  return value.length <= MAX_EVENT_TYPE_LENGTH && FILTER.test(value);
}

/**
 * Whether an endpoint with filter `patterns` receives events of `type`. Mirrors the SQL in
 * `publish.ts`, which is what fan-out actually uses.
 * @example matchesEventType(['order.*'], 'order.item.added') // true
 */
export function matchesEventType(patterns: readonly string[], type: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some(
    (pattern) => pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}
