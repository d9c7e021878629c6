import { invalid } from '../errors.ts';
import { isEventTypePattern } from './event-type.ts';

export const MAX_URL_LENGTH = 2048;
export const MAX_CUSTOM_HEADERS = 20;

/** Headers an endpoint may not set: hop-by-hop, framing, and the ones that carry the signature. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'x-webhook-id',
  'x-webhook-timestamp',
  'x-webhook-signature',
  'x-correlation-id',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/** Checks an endpoint URL: absolute http(s) with a host, no fragment, bounded length. Returns it normalised. */
export function validateEndpointUrl(url: string): string {
  if (url.length > MAX_URL_LENGTH) throw invalid('invalid_url', `url must be at most ${MAX_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('invalid_url', 'url must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid('invalid_url', `url scheme must be http or https, not ${parsed.protocol.replace(':', '')}`);
  if (!parsed.hostname) throw invalid('invalid_url', 'url must have a host');
  if (parsed.hash) throw invalid('invalid_url', 'url must not have a fragment');
  return parsed.toString();
}

/** Checks an event-type filter: each entry an exact type, `prefix.*` or `*`; duplicates removed. */
export function validateEventTypes(eventTypes: readonly string[]): string[] {
  if (eventTypes.length > 100) throw invalid('invalid_event_type', 'at most 100 event types per endpoint');
  for (const pattern of eventTypes)
    if (!isEventTypePattern(pattern))
      throw invalid('invalid_event_type', `"${pattern.slice(0, 100)}" is not an event type, a "prefix.*" wildcard or "*"`);
  return [...new Set(eventTypes)];
}

/** Checks custom headers: token names, no reserved names, single-line values, bounded count and size. */
export function validateCustomHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > MAX_CUSTOM_HEADERS) throw invalid('invalid_header', `at most ${MAX_CUSTOM_HEADERS} custom headers`);
  const result: Record<string, string> = {};
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) throw invalid('invalid_header', `"${name.slice(0, 100)}" is not a valid header name`);
    if (RESERVED_HEADERS.has(lower)) throw invalid('invalid_header', `header "${lower}" is set by the gateway and cannot be overridden`);
    if (typeof value !== 'string' || value.length > 1000 || /[\r\n\0]/.test(value))
      throw invalid('invalid_header', `header "${lower}" must be a single-line string of at most 1000 characters`);
    result[lower] = value;
  }
  return result;
}
