/**
 * Reading the signature headers of an incoming webhook in either convention: Standard Webhooks
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64> ...`) or the gateway's mirror
 * (`x-webhook-id`, `x-webhook-timestamp`, `x-webhook-signature: sha256=<hex> ...`). Web APIs only.
 */
import { WebhookVerificationError } from './errors.ts';

/** Request headers as a `Headers` object or a plain record (names matched case-insensitively). */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The signature headers of one message, parsed but not yet checked. */
export type SignatureHeaders = {
  scheme: 'standard' | 'x-webhook';
  id: string;
  timestamp: number;
  /** Signatures in the scheme's encoding (base64 for `standard`, lowercase hex for `x-webhook`). */
  signatures: string[];
};

const STANDARD = { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' } as const;
const MIRROR = { id: 'x-webhook-id', timestamp: 'x-webhook-timestamp', signature: 'x-webhook-signature' } as const;

function headerGetter(headers: HeaderSource): (name: string) => string | undefined {
  if (headers instanceof Headers) return (name) => headers.get(name) ?? undefined;
  const lowered = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    lowered.set(name.toLowerCase(), typeof value === 'string' ? value : value.join(' '));
  }
  return (name) => lowered.get(name);
}

function required(get: (name: string) => string | undefined, name: string): string {
  const value = get(name);
  if (value === undefined) throw new WebhookVerificationError('missing_header', `Missing ${name} header`);
  const trimmed = value.trim();
  if (trimmed === '') throw new WebhookVerificationError('malformed_header', `Empty ${name} header`);
  return trimmed;
}

function parseTimestamp(value: string, name: string): number {
  const seconds = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(seconds)) {
    throw new WebhookVerificationError('malformed_header', `${name} must be unix seconds`);
  }
  return seconds;
}

/** `v1,<base64>` entries separated by spaces; other versions (e.g. `v1a`) are skipped. */
function parseStandardSignatures(value: string): string[] {
  const signatures: string[] = [];
  for (const entry of value.split(/\s+/)) {
    // A `Headers` object joins repeated headers with ", ", so tolerate a trailing comma.
    const match = /^([A-Za-z0-9]+),([^,\s]+),?$/.exec(entry);
    if (match === null) {
      throw new WebhookVerificationError('malformed_header', 'webhook-signature entries must look like v1,<base64>');
    }
    if (match[1] === 'v1' && match[2] !== undefined) signatures.push(match[2]);
  }
  return signatures;
}

/** `sha256=<hex>` entries separated by spaces or commas; other algorithms are skipped. */
function parseMirrorSignatures(value: string): string[] {
  const signatures: string[] = [];
  for (const entry of value.split(/[\s,]+/)) {
    if (entry === '') continue;
    const match = /^([A-Za-z0-9-]+)=([^=\s]+)$/.exec(entry);
    if (match === null) {
      throw new WebhookVerificationError('malformed_header', 'x-webhook-signature entries must look like sha256=<hex>');
    }
    if (match[1]?.toLowerCase() === 'sha256' && match[2] !== undefined) signatures.push(match[2].toLowerCase());
  }
  return signatures;
}

/**
 * Pick the header convention and parse it. The Standard Webhooks names win whenever any of them is
 * present (then all three are required); otherwise the `x-webhook-*` names are used.
 *
 * @throws WebhookVerificationError `missing_header` or `malformed_header`.
 */
export function readSignatureHeaders(headers: HeaderSource): SignatureHeaders {
  const get = headerGetter(headers);
  const standard = Object.values(STANDARD).some((name) => get(name) !== undefined);
  const mirror = !standard && Object.values(MIRROR).some((name) => get(name) !== undefined);
  const names = mirror ? MIRROR : STANDARD;
  const id = required(get, names.id);
  const timestamp = parseTimestamp(required(get, names.timestamp), names.timestamp);
  const signatureHeader = required(get, names.signature);
  return mirror
    ? { scheme: 'x-webhook', id, timestamp, signatures: parseMirrorSignatures(signatureHeader) }
    : { scheme: 'standard', id, timestamp, signatures: parseStandardSignatures(signatureHeader) };
}
