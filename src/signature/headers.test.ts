import { describe, it, expect } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { buildWebhookHeaders, generateSecret } from './index.ts';

const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'inv_1', amount: 4200, note: 'héllo ✓' } });
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

describe('buildWebhookHeaders', () => {
  it('returns exactly the expected lowercase headers', async () => {
    const secret = generateSecret();
    const timestamp = nowSeconds();
    const headers = await buildWebhookHeaders({
      webhookId: 'msg_1',
      timestamp,
      body,
      secrets: [secret],
      correlationId: 'corr-123',
    });
    expect(Object.keys(headers).sort()).toEqual(
      [
        'content-type',
        'webhook-id',
        'webhook-signature',
        'webhook-timestamp',
        'x-correlation-id',
        'x-webhook-id',
        'x-webhook-signature',
        'x-webhook-timestamp',
      ].sort(),
    );
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toBe('msg_1');
    expect(headers['x-webhook-id']).toBe('msg_1');
    expect(headers['webhook-timestamp']).toBe(String(timestamp));
    expect(headers['x-webhook-timestamp']).toBe(String(timestamp));
    expect(headers['x-correlation-id']).toBe('corr-123');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(headers['x-webhook-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('omits x-correlation-id when no correlationId is given', async () => {
    const headers = await buildWebhookHeaders({
      webhookId: 'msg_1',
      timestamp: nowSeconds(),
      body,
      secrets: [generateSecret()],
    });
    expect(headers).not.toHaveProperty('x-correlation-id');
    expect(Object.keys(headers)).toHaveLength(7);
  });

  it('verifies with the standardwebhooks package', async () => {
    const secret = generateSecret();
    const headers = await buildWebhookHeaders({
      webhookId: 'msg_std',
      timestamp: nowSeconds(),
      body,
      secrets: [secret],
    });
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('verifies with svix', async () => {
    const secret = generateSecret();
    const headers = await buildWebhookHeaders({
      webhookId: 'msg_svix',
      timestamp: nowSeconds(),
      body,
      secrets: [secret],
      correlationId: 'c',
    });
    expect(new SvixWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('with two secrets (rotation) each secret alone verifies', async () => {
    const newest = generateSecret();
    const previous = generateSecret();
    const headers = await buildWebhookHeaders({
      webhookId: 'msg_rot',
      timestamp: nowSeconds(),
      body,
      secrets: [newest, previous],
    });
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(headers['x-webhook-signature']?.split(' ')).toHaveLength(2);
    for (const secret of [newest, previous]) {
      expect(() => new StandardWebhook(secret).verify(body, headers)).not.toThrow();
      expect(() => new SvixWebhook(secret).verify(body, headers)).not.toThrow();
    }
    expect(() => new StandardWebhook(generateSecret()).verify(body, headers)).toThrow(
      /No matching signature/,
    );
  });

  it('fails standardwebhooks verification when body, id or timestamp is tampered', async () => {
    const secret = generateSecret();
    const timestamp = nowSeconds();
    const headers = await buildWebhookHeaders({ webhookId: 'msg_t', timestamp, body, secrets: [secret] });
    const wh = new StandardWebhook(secret);
    expect(() => wh.verify(body, headers)).not.toThrow();

    const tamperedBody = body.replace('4200', '4201');
    expect(() => wh.verify(tamperedBody, headers)).toThrow(/No matching signature/);
    expect(() => wh.verify(body, { ...headers, 'webhook-id': 'msg_u' })).toThrow(
      /No matching signature/,
    );
    expect(() =>
      wh.verify(body, { ...headers, 'webhook-timestamp': String(timestamp - 1) }),
    ).toThrow(/No matching signature/);
  });

  it('rejects invalid input', async () => {
    const base = { webhookId: 'msg', timestamp: nowSeconds(), body };
    await expect(buildWebhookHeaders({ ...base, secrets: [] })).rejects.toThrow(/at least one secret/);
    await expect(buildWebhookHeaders({ ...base, secrets: ['whsec_!!!'] })).rejects.toThrow(
      /Invalid webhook secret/,
    );
    await expect(
      buildWebhookHeaders({ ...base, timestamp: 1.5, secrets: [generateSecret()] }),
    ).rejects.toThrow(/timestamp/);
    await expect(
      buildWebhookHeaders({ ...base, webhookId: '', secrets: [generateSecret()] }),
    ).rejects.toThrow(/webhookId/);
  });
});
