import { createHmac } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { hmacSha256, signMessage, toBase64, toHex } from './index.ts';

// Fixed key: bytes 0..31.
const keyBytes = Uint8Array.from({ length: 32 }, (_, i) => i);
const secret = `whsec_${Buffer.from(keyBytes).toString('base64')}`;
const webhookId = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
const timestamp = 1674087231;
const body = '{"type":"user.created","data":{"id":1}}';

function nodeHmac(key: Uint8Array, content: string): Buffer {
  return createHmac('sha256', key).update(content, 'utf8').digest();
}

describe('known-answer HMAC', () => {
  const expected = nodeHmac(keyBytes, `${webhookId}.${timestamp}.${body}`);

  it('hmacSha256 matches node:crypto createHmac', async () => {
    const mac = await hmacSha256(secret, `${webhookId}.${timestamp}.${body}`);
    expect(Buffer.from(mac).equals(expected)).toBe(true);
    expect(toBase64(mac)).toBe(expected.toString('base64'));
    expect(toHex(mac)).toBe(expected.toString('hex'));
  });

  it('accepts the secret without the whsec_ prefix', async () => {
    const mac = await hmacSha256(secret.slice('whsec_'.length), `${webhookId}.${timestamp}.${body}`);
    expect(Buffer.from(mac).equals(expected)).toBe(true);
  });

  it('signMessage renders the same HMAC in both formats', async () => {
    const { webhookSignature, xWebhookSignature } = await signMessage({
      webhookId,
      timestamp,
      body,
      secrets: [secret],
    });
    expect(webhookSignature).toBe(`v1,${expected.toString('base64')}`);
    expect(xWebhookSignature).toBe(`sha256=${expected.toString('hex')}`);
    const b64 = webhookSignature.slice('v1,'.length);
    const hex = xWebhookSignature.slice('sha256='.length);
    expect(Buffer.from(b64, 'base64').toString('hex')).toBe(hex);
  });

  it('keeps secret order for rotation and pairs base64/hex entries', async () => {
    const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const content = `${webhookId}.${timestamp}.${body}`;
    const { webhookSignature, xWebhookSignature } = await signMessage({
      webhookId,
      timestamp,
      body,
      secrets: [other, secret],
    });
    const expectedOther = nodeHmac(Buffer.alloc(32, 7), content);
    expect(webhookSignature).toBe(
      `v1,${expectedOther.toString('base64')} v1,${expected.toString('base64')}`,
    );
    expect(xWebhookSignature).toBe(
      `sha256=${expectedOther.toString('hex')} sha256=${expected.toString('hex')}`,
    );
  });

  it('encodes multi-byte UTF-8 bodies the same as node:crypto', async () => {
    const unicodeBody = '{"msg":"héllo ✓ 😀"}';
    const { xWebhookSignature } = await signMessage({
      webhookId,
      timestamp,
      body: unicodeBody,
      secrets: [secret],
    });
    expect(xWebhookSignature).toBe(
      `sha256=${nodeHmac(keyBytes, `${webhookId}.${timestamp}.${unicodeBody}`).toString('hex')}`,
    );
  });
});
