import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** JSON logs (pino). Secrets and tokens are redacted wherever they could appear. */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'webhook-gateway', ...base },
    redact: { paths: ['secret', '*.secret', 'secrets', '*.secrets', 'token', 'headers.authorization'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}
