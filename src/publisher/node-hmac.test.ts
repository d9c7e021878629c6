import { describe, expect, it } from 'vitest';
import { generateSecret, hmacSha256 } from '../signature/index.ts';
import { createNodeHmac } from './node-hmac.ts';

describe('createNodeHmac', () => {
  it('computes the same MAC as the Web Crypto implementation, for many secrets and contents', async () => {
    const mac = createNodeHmac();
    for (let i = 0; i < 50; i++) {
      const secret = generateSecret();
      const content = `msg_${i}.${1_700_000_000 + i}.{"n":${i},"text":"héllo ${'x'.repeat(i * 13)}"}`;
      expect(Buffer.from(mac(secret, content))).toEqual(Buffer.from(await hmacSha256(secret, content)));
      // A cached key gives the same answer again.
      expect(Buffer.from(mac(secret, content))).toEqual(Buffer.from(await hmacSha256(secret, content)));
    }
  });

  it('rejects a malformed secret like the scheme does', () => {
    expect(() => createNodeHmac()('not-a-secret', 'x')).toThrow();
  });
});
