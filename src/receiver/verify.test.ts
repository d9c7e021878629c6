import { describe, expect, it } from 'vitest';
import { buildWebhookHeaders, generateSecret, hmacSha256, toBase64 } from '../signature/index.ts';
import { verifyWebhook, WebhookVerificationError, type VerifyWebhookInput } from './index.ts';

const secret = generateSecret();
const timestamp = 1_700_000_000;
const now = timestamp * 1000;
const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1', note: 'héllo ✓' } });

async function signed(overrides: { secrets?: string[]; id?: string; ts?: number; body?: string } = {}) {
  return buildWebhookHeaders({
    webhookId: overrides.id ?? 'msg_1',
    timestamp: overrides.ts ?? timestamp,
    body: overrides.body ?? body,
    secrets: overrides.secrets ?? [secret],
  });
}

const standardOnly = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('x-')));
const mirrorOnly = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('webhook-')));

async function rejection(input: VerifyWebhookInput): Promise<WebhookVerificationError> {
  const error: unknown = await verifyWebhook(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof WebhookVerificationError)) throw new Error(`expected a WebhookVerificationError, got ${String(error)}`);
  return error;
}

describe('verifyWebhook accepts', () => {
  it('a genuine message and returns id, timestamp, parsed payload and raw body', async () => {
    const event = await verifyWebhook({ headers: await signed(), body, secrets: secret, now });
    expect(event).toEqual({ id: 'msg_1', timestamp, payload: JSON.parse(body), raw: body });
  });

  it('a Headers object and mixed-case record names', async () => {
    const headers = await signed();
    await expect(verifyWebhook({ headers: new Headers(headers), body, secrets: secret, now })).resolves.toMatchObject({ id: 'msg_1' });
    const shouted = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]));
    await expect(verifyWebhook({ headers: shouted, body, secrets: secret, now })).resolves.toMatchObject({ id: 'msg_1' });
  });

  it('any of several receiver secrets (rotation)', async () => {
    const previous = generateSecret();
    const headers = await signed({ secrets: [previous] });
    await expect(verifyWebhook({ headers, body, secrets: [generateSecret(), previous], now })).resolves.toMatchObject({ id: 'msg_1' });
  });

  it('any of several v1 signatures, ignoring unknown versions', async () => {
    const oldSecret = generateSecret();
    const headers = await signed({ secrets: [generateSecret(), oldSecret] });
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    const withUnknown = { ...standardOnly(headers), 'webhook-signature': `v1a,c29tZXRoaW5n ${headers['webhook-signature']}` };
    await expect(verifyWebhook({ headers: withUnknown, body, secrets: oldSecret, now })).resolves.toMatchObject({ id: 'msg_1' });
  });

  it('repeated webhook-signature headers joined by Headers', async () => {
    const other = generateSecret();
    const [first, second] = (await signed({ secrets: [generateSecret(), other] }))['webhook-signature']?.split(' ') ?? [];
    const headers = new Headers(standardOnly(await signed()));
    headers.delete('webhook-signature');
    headers.append('webhook-signature', first ?? '');
    headers.append('webhook-signature', second ?? '');
    await expect(verifyWebhook({ headers, body, secrets: other, now })).resolves.toMatchObject({ id: 'msg_1' });
  });

  it('the x-webhook-* headers when the webhook-* ones are absent, space- or comma-separated', async () => {
    const oldSecret = generateSecret();
    const headers = mirrorOnly(await signed({ secrets: [generateSecret(), oldSecret] }));
    await expect(verifyWebhook({ headers, body, secrets: oldSecret, now })).resolves.toMatchObject({ id: 'msg_1' });
    const commas = { ...headers, 'x-webhook-signature': headers['x-webhook-signature']?.replace(' ', ',') ?? '' };
    await expect(verifyWebhook({ headers: commas, body, secrets: oldSecret, now })).resolves.toMatchObject({ id: 'msg_1' });
    const upper = { ...headers, 'x-webhook-signature': headers['x-webhook-signature']?.toUpperCase().replaceAll('SHA256=', 'sha256=') ?? '' };
    await expect(verifyWebhook({ headers: upper, body, secrets: oldSecret, now })).resolves.toMatchObject({ id: 'msg_1' });
  });

  it('timestamps exactly at the tolerance in both directions', async () => {
    const headers = await signed();
    await expect(verifyWebhook({ headers, body, secrets: secret, now: now + 300_999 })).resolves.toBeDefined();
    await expect(verifyWebhook({ headers, body, secrets: secret, now: now - 300_000 })).resolves.toBeDefined();
    await expect(verifyWebhook({ headers, body, secrets: secret, toleranceSeconds: 10, now: now + 10_000 })).resolves.toBeDefined();
  });
});

describe('verifyWebhook rejects (one test per failure mode)', () => {
  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])('missing_header: no %s', async (name) => {
    const headers = standardOnly(await signed());
    delete headers[name];
    const error = await rejection({ headers, body, secrets: secret, now });
    expect(error).toMatchObject({ name: 'WebhookVerificationError', code: 'missing_header', httpStatus: 400 });
    expect(error.message).toContain(name);
  });

  it('missing_header: no signature headers at all', async () => {
    const error = await rejection({ headers: { 'content-type': 'application/json' }, body, secrets: secret, now });
    expect(error).toMatchObject({ code: 'missing_header', httpStatus: 400 });
  });

  it('missing_header: x-webhook-signature absent in the fallback convention', async () => {
    const headers = mirrorOnly(await signed());
    delete headers['x-webhook-signature'];
    expect(await rejection({ headers, body, secrets: secret, now })).toMatchObject({ code: 'missing_header' });
  });

  it.each([
    ['webhook-timestamp', 'yesterday'],
    ['webhook-timestamp', '1700000000.5'],
    ['webhook-timestamp', '-1700000000'],
    ['webhook-timestamp', '99999999999999999999'],
    ['webhook-signature', 'garbage'],
    ['webhook-signature', 'v1'],
    ['webhook-signature', 'v1,'],
    ['webhook-id', ''],
  ])('malformed_header: %s = %j', async (name, value) => {
    const headers = { ...standardOnly(await signed()), [name]: value };
    expect(await rejection({ headers, body, secrets: secret, now })).toMatchObject({ code: 'malformed_header', httpStatus: 400 });
  });

  it('malformed_header: x-webhook-signature without algorithm', async () => {
    const headers = mirrorOnly(await signed());
    headers['x-webhook-signature'] = headers['x-webhook-signature']?.replace('sha256=', '') ?? '';
    expect(await rejection({ headers, body, secrets: secret, now })).toMatchObject({ code: 'malformed_header' });
  });

  it('invalid_signature: wrong secret', async () => {
    const error = await rejection({ headers: await signed(), body, secrets: generateSecret(), now });
    expect(error).toMatchObject({ code: 'invalid_signature', httpStatus: 401 });
  });

  it('invalid_signature: body altered', async () => {
    expect(await rejection({ headers: await signed(), body: body.replace('inv_1', 'inv_2'), secrets: secret, now })).toMatchObject({
      code: 'invalid_signature',
    });
  });

  it('invalid_signature: id or timestamp altered', async () => {
    const headers = standardOnly(await signed());
    expect(await rejection({ headers: { ...headers, 'webhook-id': 'msg_2' }, body, secrets: secret, now })).toMatchObject({
      code: 'invalid_signature',
    });
    expect(
      await rejection({ headers: { ...headers, 'webhook-timestamp': String(timestamp + 1) }, body, secrets: secret, now }),
    ).toMatchObject({ code: 'invalid_signature' });
  });

  it('invalid_signature: truncated or only non-v1 signatures', async () => {
    const headers = standardOnly(await signed());
    const v1 = headers['webhook-signature'] ?? '';
    for (const value of [v1.slice(0, 20), v1.replace('v1,', 'v2,'), `v1,${toBase64(await hmacSha256(secret, 'other'))}`]) {
      expect(await rejection({ headers: { ...headers, 'webhook-signature': value }, body, secrets: secret, now })).toMatchObject({
        code: 'invalid_signature',
      });
    }
  });

  it('invalid_signature: the standard headers are not mixed with the x-webhook-* signature', async () => {
    const headers = await signed();
    const mixed = { ...headers, 'webhook-signature': 'v1,AAAA' };
    expect(await rejection({ headers: mixed, body, secrets: secret, now })).toMatchObject({ code: 'invalid_signature' });
  });

  it('timestamp_too_old: genuine but older than the tolerance', async () => {
    const error = await rejection({ headers: await signed(), body, secrets: secret, now: now + 301_000 });
    expect(error).toMatchObject({ code: 'timestamp_too_old', httpStatus: 401 });
    expect(await rejection({ headers: await signed(), body, secrets: secret, toleranceSeconds: 10, now: now + 11_000 })).toMatchObject({
      code: 'timestamp_too_old',
    });
  });

  it('timestamp_too_new: genuine but ahead by more than the tolerance', async () => {
    const error = await rejection({ headers: await signed(), body, secrets: secret, now: now - 301_000 });
    expect(error).toMatchObject({ code: 'timestamp_too_new', httpStatus: 401 });
  });

  it('invalid_payload: genuine but not JSON', async () => {
    const text = 'not json {';
    const error = await rejection({ headers: await signed({ body: text }), body: text, secrets: secret, now });
    expect(error).toMatchObject({ code: 'invalid_payload', httpStatus: 400 });
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('caller misuse is a plain Error', async () => {
    const headers = await signed();
    await expect(verifyWebhook({ headers, body, secrets: [], now })).rejects.toThrow(/at least one secret/);
    await expect(verifyWebhook({ headers, body, secrets: 'whsec_!!', now })).rejects.toThrow(/Invalid webhook secret/);
    await expect(verifyWebhook({ headers, body, secrets: secret, toleranceSeconds: -1, now })).rejects.toThrow(/toleranceSeconds/);
  });
});
