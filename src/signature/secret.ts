/**
 * Webhook signing secrets: generation and decoding.
 *
 * A secret is `whsec_` followed by standard (padded) base64 of the raw HMAC
 * key. Only Web APIs are used so this file also runs in Deno and browsers.
 */

/** Prefix carried by every secret produced by {@link generateSecret}. */
export const SECRET_PREFIX = 'whsec_';

/** Number of random key bytes in a freshly generated secret. */
export const SECRET_KEY_BYTES = 32;

/** Smallest decoded key length accepted by {@link decodeSecret}. */
export const MIN_SECRET_KEY_BYTES = 24;

/** Canonical padded standard base64 (RFC 4648 §4), no whitespace. */
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Generate a new signing secret: `whsec_` + base64 of 32 bytes from
 * `crypto.getRandomValues`.
 */
export function generateSecret(): string {
  const key = new Uint8Array(SECRET_KEY_BYTES);
  crypto.getRandomValues(key);
  let binary = '';
  for (const byte of key) binary += String.fromCharCode(byte);
  return SECRET_PREFIX + btoa(binary);
}

/**
 * Decode a secret into its raw HMAC key bytes.
 *
 * Accepts the secret with or without the `whsec_` prefix. The remainder must
 * be padded standard base64 (the form the Standard Webhooks reference
 * libraries decode).
 *
 * @throws Error if the base64 is invalid or the key is shorter than 24 bytes.
 *   The message never contains the secret itself.
 */
export function decodeSecret(secret: string): Uint8Array<ArrayBuffer> {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded.length === 0 || !BASE64_PATTERN.test(encoded)) {
    throw new Error(
      'Invalid webhook secret: expected "whsec_" followed by padded standard base64',
    );
  }
  const binary = atob(encoded);
  if (binary.length < MIN_SECRET_KEY_BYTES) {
    throw new Error(
      `Invalid webhook secret: key is ${binary.length} bytes, at least ${MIN_SECRET_KEY_BYTES} required`,
    );
  }
  const key = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) key[i] = binary.charCodeAt(i);
  return key;
}
