import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../signature/index.ts';
import { verifyWebhook } from './index.ts';

// The Standard Webhooks reference vector (standardwebhooks and svix test suites).
const vector = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const vectorHeaders = {
  'webhook-id': vector.id,
  'webhook-timestamp': String(vector.timestamp),
  'webhook-signature': vector.signature,
};

describe('Standard Webhooks reference vector', () => {
  it('verifies with our verifier at the vector time', async () => {
    const event = await verifyWebhook({
      headers: vectorHeaders,
      body: vector.payload,
      secrets: vector.secret,
      now: vector.timestamp * 1000,
    });
    expect(event).toEqual({ id: vector.id, timestamp: vector.timestamp, payload: { test: 2432232314 }, raw: vector.payload });
  });

  it('verifies with the secret given without its whsec_ prefix', async () => {
    await expect(
      verifyWebhook({ headers: vectorHeaders, body: vector.payload, secrets: vector.secret.slice(6), now: vector.timestamp * 1000 }),
    ).resolves.toBeDefined();
  });

  it('is too old at the real current time', async () => {
    await expect(verifyWebhook({ headers: vectorHeaders, body: vector.payload, secrets: vector.secret })).rejects.toMatchObject({
      code: 'timestamp_too_old',
    });
  });

  it('standardwebhooks.sign produces the vector signature', () => {
    const signature = new StandardWebhook(vector.secret).sign(vector.id, new Date(vector.timestamp * 1000), vector.payload);
    expect(signature).toBe(vector.signature);
  });
});

describe('headers signed by the reference libraries verify with ours', () => {
  const body = JSON.stringify({ type: 'user.created', data: { name: 'Zoë ✓', n: [1, 2, 3] } });

  it('standardwebhooks', async () => {
    const secret = generateSecret();
    const date = new Date();
    const timestamp = Math.floor(date.getTime() / 1000);
    const headers = {
      'webhook-id': 'msg_std_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': new StandardWebhook(secret).sign('msg_std_1', date, body),
    };
    await expect(verifyWebhook({ headers, body, secrets: secret })).resolves.toMatchObject({ id: 'msg_std_1', timestamp });
    await expect(verifyWebhook({ headers, body, secrets: generateSecret() })).rejects.toMatchObject({ code: 'invalid_signature' });
  });

  it('svix', async () => {
    const secret = generateSecret();
    const date = new Date();
    const headers = {
      'webhook-id': 'msg_svix_1',
      'webhook-timestamp': String(Math.floor(date.getTime() / 1000)),
      'webhook-signature': new SvixWebhook(secret).sign('msg_svix_1', date, body),
    };
    await expect(verifyWebhook({ headers, body, secrets: secret })).resolves.toMatchObject({ id: 'msg_svix_1' });
  });
});
