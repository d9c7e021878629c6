import { describe, it, expect } from 'vitest';
import { decodeSecret, generateSecret } from './index.ts';

describe('generateSecret', () => {
  it('produces whsec_ + base64 of 32 bytes', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(decodeSecret(secret)).toHaveLength(32);
  });

  it('is unique across calls', () => {
    const secrets = new Set(Array.from({ length: 200 }, () => generateSecret()));
    expect(secrets.size).toBe(200);
  });
});

describe('decodeSecret', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
  const b64 = Buffer.from(key).toString('base64');

  it('decodes with or without the whsec_ prefix', () => {
    expect(Array.from(decodeSecret(`whsec_${b64}`))).toEqual(Array.from(key));
    expect(Array.from(decodeSecret(b64))).toEqual(Array.from(key));
  });

  it('accepts a 24-byte key', () => {
    expect(decodeSecret(Buffer.alloc(24, 1).toString('base64'))).toHaveLength(24);
  });

  it('rejects garbage', () => {
    for (const bad of ['', 'whsec_', 'whsec_not base64!', 'whsec_@@@@', `whsec_${b64.slice(0, -1)}`, `whsec_${b64}\n`]) {
      expect(() => decodeSecret(bad)).toThrow(/Invalid webhook secret/);
    }
  });

  it('rejects keys shorter than 24 bytes', () => {
    expect(() => decodeSecret(`whsec_${Buffer.alloc(23).toString('base64')}`)).toThrow(
      /23 bytes, at least 24/,
    );
    expect(() => decodeSecret('whsec_c2hvcnQ=')).toThrow(/at least 24/);
  });
});
