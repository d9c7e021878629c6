import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildWebhookHeaders, toBase64 } from '../signature/index.ts';
import { verifyWebhook, type WebhookVerificationErrorCode } from './index.ts';

const TOLERANCE = 300;
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEX = '0123456789abcdef';

const secretArb = fc.uint8Array({ minLength: 24, maxLength: 64 }).map((key) => `whsec_${toBase64(key)}`);
const idArb = fc.stringMatching(/^[!-~]{1,40}$/);
const timestampArb = fc.integer({ min: 0, max: 4_102_444_800 });
const bodyArb = fc.json();
/** Receiver clock minus the webhook's timestamp, in ms, within tolerance. */
const skewArb = fc.integer({ min: -TOLERANCE * 1000, max: TOLERANCE * 1000 + 999 });

const message = fc.record({
  secret: secretArb,
  otherSecrets: fc.array(secretArb, { maxLength: 2 }),
  id: idArb,
  timestamp: timestampArb,
  body: bodyArb,
  skew: skewArb,
  scheme: fc.constantFrom('standard', 'x-webhook'),
});
type Message = typeof message extends fc.Arbitrary<infer T> ? T : never;

async function headersFor(m: Message, over: { id?: string; timestamp?: number; body?: string } = {}): Promise<Record<string, string>> {
  const all = await buildWebhookHeaders({
    webhookId: over.id ?? m.id,
    timestamp: over.timestamp ?? m.timestamp,
    body: over.body ?? m.body,
    secrets: [m.secret],
  });
  const keep = m.scheme === 'standard' ? (name: string) => name.startsWith('webhook-') : (name: string) => name.startsWith('x-webhook-');
  return Object.fromEntries(Object.entries(all).filter(([name]) => keep(name)));
}

async function outcome(m: Message, headers: Record<string, string>, body = m.body, skewMs = m.skew): Promise<WebhookVerificationErrorCode | 'ok'> {
  const secrets = [...m.otherSecrets, m.secret];
  try {
    await verifyWebhook({ headers, body, secrets, toleranceSeconds: TOLERANCE, now: m.timestamp * 1000 + skewMs });
    return 'ok';
  } catch (error) {
    const code = (error as { code?: WebhookVerificationErrorCode }).code;
    if (code === undefined) throw error;
    return code;
  }
}

const names = (m: Message) =>
  m.scheme === 'standard'
    ? { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature', prefix: 'v1,', alphabet: BASE64 }
    : { id: 'x-webhook-id', timestamp: 'x-webhook-timestamp', signature: 'x-webhook-signature', prefix: 'sha256=', alphabet: HEX };

describe('verifyWebhook properties', () => {
  it('a genuine message verifies and round-trips', async () => {
    await fc.assert(
      fc.asyncProperty(message, async (m) => {
        const headers = await headersFor(m);
        const event = await verifyWebhook({ headers, body: m.body, secrets: [...m.otherSecrets, m.secret], now: m.timestamp * 1000 + m.skew });
        expect(event).toEqual({ id: m.id, timestamp: m.timestamp, payload: JSON.parse(m.body), raw: m.body });
      }),
      { numRuns: 150 },
    );
  });

  it('any single change to the body fails with invalid_signature', async () => {
    await fc.assert(
      fc.asyncProperty(message, fc.nat(), fc.string({ minLength: 1, maxLength: 3 }), fc.constantFrom('insert', 'replace', 'delete'), async (m, at, text, kind) => {
        const i = at % (m.body.length + 1);
        const mutated =
          kind === 'insert' ? m.body.slice(0, i) + text + m.body.slice(i)
          : kind === 'replace' ? m.body.slice(0, i) + text + m.body.slice(i + 1)
          : m.body.slice(0, i) + m.body.slice(i + 1);
        fc.pre(mutated !== m.body);
        expect(await outcome(m, await headersFor(m), mutated)).toBe('invalid_signature');
      }),
      { numRuns: 150 },
    );
  });

  it('any other id fails with invalid_signature', async () => {
    await fc.assert(
      fc.asyncProperty(message, idArb, async (m, otherId) => {
        fc.pre(otherId !== m.id);
        const headers = { ...(await headersFor(m)), [names(m).id]: otherId };
        expect(await outcome(m, headers)).toBe('invalid_signature');
      }),
      { numRuns: 150 },
    );
  });

  it('any other timestamp fails with invalid_signature, however near or far', async () => {
    await fc.assert(
      fc.asyncProperty(message, fc.integer({ min: -1_000_000, max: 1_000_000 }), async (m, delta) => {
        fc.pre(delta !== 0 && m.timestamp + delta >= 0);
        const headers = { ...(await headersFor(m)), [names(m).timestamp]: String(m.timestamp + delta) };
        expect(await outcome(m, headers)).toBe('invalid_signature');
      }),
      { numRuns: 150 },
    );
  });

  it('any single changed signature character fails with invalid_signature', async () => {
    await fc.assert(
      fc.asyncProperty(message, fc.nat(), fc.nat(), async (m, at, pick) => {
        const { signature, prefix, alphabet } = names(m);
        const headers = await headersFor(m);
        const value = headers[signature] ?? '';
        const digits = value.slice(prefix.length).replace(/=+$/, '');
        const i = at % digits.length;
        const original = digits[i] ?? '';
        const candidates = alphabet.replace(original, '');
        const replacement = candidates[pick % candidates.length] ?? '';
        const mutated = prefix + digits.slice(0, i) + replacement + value.slice(prefix.length + i + 1);
        expect(await outcome(m, { ...headers, [signature]: mutated })).toBe('invalid_signature');
      }),
      { numRuns: 150 },
    );
  });

  it('a genuine message outside the tolerance fails with the timestamp code for its direction', async () => {
    await fc.assert(
      fc.asyncProperty(message, fc.integer({ min: TOLERANCE + 1, max: 10 * 365 * 86_400 }), fc.boolean(), async (m, seconds, late) => {
        const headers = await headersFor(m);
        const skew = late ? seconds * 1000 : -seconds * 1000;
        expect(await outcome(m, headers, m.body, skew)).toBe(late ? 'timestamp_too_old' : 'timestamp_too_new');
      }),
      { numRuns: 150 },
    );
  });
});
