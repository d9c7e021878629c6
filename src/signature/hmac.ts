/**
 * HMAC-SHA256 over Web Crypto plus the small encoding / comparison helpers
 * needed to render and check signatures. Web APIs only (no `node:`, no Buffer).
 */
import { decodeSecret } from './secret.ts';

/** Maximum number of imported keys kept by the key cache. */
export const KEY_CACHE_MAX_ENTRIES = 1000;

/**
 * Imported CryptoKeys keyed by secret string. Importing a key costs an async
 * round-trip, and this runs on the delivery hot path, so keys are cached.
 * The promise is stored (not the key) so concurrent first uses share one
 * import. Map insertion order gives LRU eviction: a hit is re-inserted at the
 * end and the first entry is dropped when the cap is exceeded.
 */
const keyCache = new Map<string, Promise<CryptoKey>>();

const encoder = new TextEncoder();

function importKey(secret: string): Promise<CryptoKey> {
  const cached = keyCache.get(secret);
  if (cached !== undefined) {
    keyCache.delete(secret);
    keyCache.set(secret, cached);
    return cached;
  }
  // decodeSecret throws synchronously on a bad secret; nothing is cached then.
  const raw = decodeSecret(secret);
  const pending = crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  keyCache.set(secret, pending);
  pending.catch(() => {
    if (keyCache.get(secret) === pending) keyCache.delete(secret);
  });
  if (keyCache.size > KEY_CACHE_MAX_ENTRIES) {
    const oldest = keyCache.keys().next();
    if (oldest.done !== true) keyCache.delete(oldest.value);
  }
  return pending;
}

/**
 * Compute HMAC-SHA256 of the UTF-8 encoding of `content`, keyed by the
 * decoded `secret` (see `decodeSecret`).
 *
 * @returns the 32-byte MAC.
 * @throws (rejects) if the secret is invalid.
 */
export async function hmacSha256(secret: string, content: string): Promise<Uint8Array> {
  const key = await importKey(secret);
  const mac = await crypto.subtle.sign('HMAC', key, encoder.encode(content));
  return new Uint8Array(mac);
}

/** Number of keys currently in the CryptoKey cache (for tests / metrics). */
export function keyCacheSize(): number {
  return keyCache.size;
}

/** Encode bytes as padded standard base64. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const HEX_DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Encode bytes as lowercase hexadecimal. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += HEX_DIGITS[byte];
  return out;
}

/**
 * Compare two strings in time independent of where they differ.
 *
 * Runs in constant time for equal-length inputs; returns false immediately
 * on a length mismatch (signature lengths are public, so that leaks nothing).
 */
export function timingSafeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
