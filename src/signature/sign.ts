/**
 * Message signing: one HMAC per secret, rendered in both header formats.
 */
import { hmacSha256, toBase64, toHex } from './hmac.ts';

/** What gets signed, and with which secrets. */
export interface SignatureInput {
  /** Unique message id; the `webhook-id` header. Must be non-empty. */
  webhookId: string;
  /** Unix time in whole seconds; the `webhook-timestamp` header. */
  timestamp: number;
  /** Raw request body exactly as it will be sent. */
  body: string;
  /** Signing secrets, newest first. Must be non-empty. */
  secrets: readonly string[];
}

/**
 * An HMAC-SHA256 implementation: `hmacSha256` (Web Crypto, every runtime) by default. A Node sender
 * may pass `node:crypto`'s, which costs a tenth as much per message; the scheme stays this one.
 */
export type MacFunction = (secret: string, content: string) => Uint8Array | Promise<Uint8Array>;

/** Signatures for one message in both header formats. */
export interface SignedMessage {
  /** Standard Webhooks `webhook-signature`: space-separated `v1,<base64>`. */
  webhookSignature: string;
  /** `x-webhook-signature`: space-separated `sha256=<hex>`, same order. */
  xWebhookSignature: string;
}

/**
 * Build the signed content `${webhookId}.${timestamp}.${body}`.
 *
 * @throws Error if the id is empty or the timestamp is not a non-negative
 *   safe integer (so it renders as plain decimal seconds).
 */
export function signedContent(webhookId: string, timestamp: number, body: string): string {
  if (webhookId.length === 0) throw new Error('webhookId must be a non-empty string');
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new Error(`timestamp must be a non-negative integer number of seconds, got ${timestamp}`);
  }
  return `${webhookId}.${timestamp}.${body}`;
}

/**
 * Sign a message with every secret (for rotation), preserving secret order.
 *
 * @returns `webhookSignature` (`v1,<base64> ...`) and `xWebhookSignature`
 *   (`sha256=<hex> ...`) over the same HMACs in the same order.
 * @throws (rejects) if `secrets` is empty, any secret is invalid, or the id /
 *   timestamp is invalid.
 */
export async function signMessage(input: SignatureInput, mac: MacFunction = hmacSha256): Promise<SignedMessage> {
  const { webhookId, timestamp, body, secrets } = input;
  if (secrets.length === 0) throw new Error('signMessage requires at least one secret');
  const content = signedContent(webhookId, timestamp, body);
  const macs = await Promise.all(secrets.map((secret) => mac(secret, content)));
  return {
    webhookSignature: macs.map((mac) => `v1,${toBase64(mac)}`).join(' '),
    xWebhookSignature: macs.map((mac) => `sha256=${toHex(mac)}`).join(' '),
  };
}
