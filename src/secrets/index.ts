/** Secrets at rest: AES-256-GCM sealing of endpoint signing secrets under `SECRETS_KEY`, with key rotation. */
export { createSecretBox, parseSecretsKey, type SecretBox } from './secret-box.ts';
