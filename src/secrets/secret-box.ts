/**
 * Endpoint signing secrets at rest: sealed with AES-256-GCM under `SECRETS_KEY` before they reach
 * Postgres, so a database dump or replica does not hand out the keys that sign webhooks.
 *
 * Stored form: `enc:v1:<key id>:<iv base64>:<ciphertext+tag base64>`. The key id is derived from the
 * key (first 8 hex digits of its SHA-256), so rotating `SECRETS_KEY` (the old key moved to
 * `SECRETS_KEYS_PREVIOUS`) keeps every stored secret readable. Values without the prefix are
 * plaintext (written while no key was configured) and are returned as they are.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'enc:v1:';

export type SecretBox = {
  /** Seals a secret for storage (returns it unchanged when no key is configured). */
  seal(plain: string): string;
  /** Opens a stored secret; throws when it was sealed under a key that is not configured. */
  open(stored: string): string;
  /** Whether secrets are encrypted at rest. */
  readonly encrypting: boolean;
};

type Key = { id: string; bytes: Buffer };

/** Parses a 32-byte key given as base64 or 64 hex digits; throws a plain Error otherwise. */
export function parseSecretsKey(text: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== 32) throw new Error('SECRETS_KEY must be 32 bytes, as base64 or 64 hex digits');
  return bytes;
}

function keyOf(bytes: Buffer): Key {
  return { id: createHash('sha256').update(bytes).digest('hex').slice(0, 8), bytes };
}

/**
 * Creates the box from the current key and any previous ones (for reading only).
 * @example const box = createSecretBox({ key: process.env.SECRETS_KEY });
 */
export function createSecretBox(options: { key?: string | undefined; previous?: readonly string[] }): SecretBox {
  const current = options.key ? keyOf(parseSecretsKey(options.key)) : undefined;
  const keys = new Map<string, Key>();
  for (const text of [...(options.key ? [options.key] : []), ...(options.previous ?? [])]) {
    const key = keyOf(parseSecretsKey(text));
    keys.set(key.id, key);
  }
  const opened = new Map<string, string>();

  return {
    encrypting: current !== undefined,
    seal(plain) {
      if (!current) return plain;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.bytes, iv);
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${PREFIX}${current.id}:${iv.toString('base64')}:${sealed.toString('base64')}`;
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored;
      const cached = opened.get(stored);
      if (cached !== undefined) return cached;
      const [id = '', ivText = '', sealedText = ''] = stored.slice(PREFIX.length).split(':');
      const key = keys.get(id);
      if (!key) throw new Error(`endpoint secret sealed under key ${id}, which is not configured (SECRETS_KEY / SECRETS_KEYS_PREVIOUS)`);
      const sealed = Buffer.from(sealedText, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(ivText, 'base64'));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString('utf8');
      // Opened on every delivery: keep a bounded cache of the hot ones.
      if (opened.size >= 10_000) opened.delete(opened.keys().next().value ?? '');
      opened.set(stored, plain);
      return plain;
    },
  };
}
