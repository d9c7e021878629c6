import { describe, it, expect } from 'vitest';
import { KEY_CACHE_MAX_ENTRIES, keyCacheSize } from './hmac.ts';
import { generateSecret, hmacSha256, timingSafeEqual, toBase64, toHex } from './index.ts';

describe('timingSafeEqual', () => {
  it('is true for equal strings', () => {
    expect(timingSafeEqual('', '')).toBe(true);
    expect(timingSafeEqual('v1,abc=', 'v1,abc=')).toBe(true);
  });

  it('is false for different strings of equal length', () => {
    expect(timingSafeEqual('abcd', 'abce')).toBe(false);
    expect(timingSafeEqual('xbcd', 'abcd')).toBe(false);
  });

  it('is false on length mismatch', () => {
    expect(timingSafeEqual('abc', 'abcd')).toBe(false);
    expect(timingSafeEqual('', 'a')).toBe(false);
  });
});

describe('encoders', () => {
  it('toBase64 and toHex match Buffer', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
    expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
    expect(toBase64(new Uint8Array())).toBe('');
    expect(toHex(new Uint8Array())).toBe('');
  });
});

describe('hmacSha256 key cache', () => {
  it('stays bounded and keeps producing correct MACs', async () => {
    const first = generateSecret();
    const before = await hmacSha256(first, 'x');
    for (let i = 0; i < KEY_CACHE_MAX_ENTRIES + 50; i++) {
      await hmacSha256(generateSecret(), 'x');
    }
    expect(keyCacheSize()).toBeLessThanOrEqual(KEY_CACHE_MAX_ENTRIES);
    expect(toHex(await hmacSha256(first, 'x'))).toBe(toHex(before));
  });

  it('does not cache invalid secrets', async () => {
    const size = keyCacheSize();
    await expect(hmacSha256('whsec_???', 'x')).rejects.toThrow(/Invalid webhook secret/);
    expect(keyCacheSize()).toBe(size);
  });
});
