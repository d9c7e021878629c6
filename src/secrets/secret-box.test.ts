import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox } from './secret-box.ts';

const key = () => randomBytes(32).toString('base64');

describe('secret box', () => {
  it('seals with AES-256-GCM and opens again', () => {
    const box = createSecretBox({ key: key() });
    const sealed = box.seal('whsec_abc');
    expect(sealed).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    expect(sealed).not.toContain('whsec_abc');
    expect(box.seal('whsec_abc')).not.toBe(sealed); // fresh IV every time
    expect(box.open(sealed)).toBe('whsec_abc');
  });

  it('reads secrets sealed under a previous key after the key is rotated', () => {
    const oldKey = key();
    const sealed = createSecretBox({ key: oldKey }).seal('whsec_old');
    const rotated = createSecretBox({ key: key(), previous: [oldKey] });
    expect(rotated.open(sealed)).toBe('whsec_old');
    expect(() => createSecretBox({ key: key() }).open(sealed)).toThrow(/not configured/);
  });

  it('rejects a tampered ciphertext', () => {
    const box = createSecretBox({ key: key() });
    const sealed = box.seal('whsec_abc');
    const parts = sealed.split(':');
    const bytes = Buffer.from(parts[4]!, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    parts[4] = bytes.toString('base64');
    expect(() => createSecretBox({ key: key(), previous: [] }).open(parts.join(':'))).toThrow();
    expect(() => box.open(parts.join(':'))).toThrow();
  });

  it('passes plaintext through when no key is configured, and reads legacy plaintext with one', () => {
    expect(createSecretBox({}).seal('whsec_x')).toBe('whsec_x');
    expect(createSecretBox({ key: key() }).open('whsec_legacy')).toBe('whsec_legacy');
    expect(() => createSecretBox({ key: 'short' })).toThrow(/32 bytes/);
  });
});
