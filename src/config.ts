/**
 * Configuration, parsed once from the environment with zod into a typed `Config`.
 * Nothing else in the code reads `process.env`.
 */
import { z } from 'zod';
import { parseByteSize, parseDuration } from './duration.ts';
import { parseCidr } from './publisher/target-guard.ts';
import { parseSecretsKey } from './secrets/index.ts';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `not a duration (use ms, s, m, h, d): ${text}` });
        return z.NEVER;
      }
      return ms;
    });

const durationList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const items = text.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
      const values = items.map((item) => parseDuration(item));
      if (values.some((value) => value === undefined)) {
        ctx.addIssue({ code: 'custom', message: `not a list of durations: ${text}` });
        return z.NEVER;
      }
      return values as number[];
    });

const byteSize = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const bytes = parseByteSize(text);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: `not a byte size (e.g. 256kb): ${text}` });
        return z.NEVER;
      }
      return bytes;
    });

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((value) => (value === undefined ? fallback : ['true', '1', 'yes'].includes(value)));

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const statusList = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const codes = text.split(',').map((part) => part.trim()).filter((part) => part.length > 0).map(Number);
      if (codes.some((code) => !Number.isInteger(code) || code < 100 || code > 599)) {
        ctx.addIssue({ code: 'custom', message: `not a list of HTTP status codes: ${text}` });
        return z.NEVER;
      }
      return codes;
    });

const envSchema = z.object({
  DATABASE_URL: z.string().default('postgres://postgres@127.0.0.1:5432/webhooks'),
  DATABASE_POOL_SIZE: int(20, 1, 500),
  DATABASE_IDLE_TIMEOUT: duration('0s'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('whgw'),
  PORT: int(3000, 0, 65535),
  HOST: z.string().optional(),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  ADMIN_SESSION_TTL: duration('8h'),
  RETRY_SCHEDULE: durationList('1m,5m,30m,2h,12h'),
  RETRY_JITTER: z.coerce.number().min(0).max(1).default(0),
  RETRY_AFTER_MAX: duration('24h'),
  PERMANENT_STATUS_CODES: statusList('400,413,422'),
  DELIVERY_TIMEOUT: duration('30s'),
  RESPONSE_BODY_LIMIT: byteSize('4kb'),
  MAX_PAYLOAD_BYTES: byteSize('256kb'),
  API_RATE_LIMIT: int(5000, 0, 1_000_000),
  API_RATE_BURST: int(0, 0, 10_000_000),
  WORKER_CONCURRENCY: int(200, 1, 10_000),
  JOB_LOCK_DURATION: duration('30s'),
  ENDPOINT_CONCURRENCY: int(10, 1, 10_000),
  ENDPOINT_SLOW_AFTER: duration('1s'),
  RECONCILE_INTERVAL: duration('5s'),
  RECONCILE_GRACE: duration('10s'),
  RECONCILE_BATCH: int(1000, 1, 100_000),
  BREAKER_ENABLED: bool(true),
  BREAKER_FAILURES: int(5, 1, 1000),
  BREAKER_OPEN_FOR: duration('60s'),
  BREAKER_SUCCESSES: int(2, 1, 1000),
  ALLOW_PRIVATE_TARGETS: bool(false),
  ALLOWED_TARGET_CIDRS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      const items = text.split(',').map((part) => part.trim()).filter((part) => part.length > 0);
      for (const item of items) {
        try {
          parseCidr(item);
        } catch {
          ctx.addIssue({ code: 'custom', message: `not a CIDR range: ${item}` });
        }
      }
      return items;
    }),
  HTTPS_ONLY: bool(false),
  REPLAY_ON_RECOVERY: bool(false),
  SECRETS_KEY: z
    .string()
    .optional()
    .refine((text) => text === undefined || isSecretsKey(text), 'must be 32 bytes, as base64 or 64 hex digits'),
  SECRETS_KEYS_PREVIOUS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((part) => part.trim()).filter((part) => part.length > 0))
    .refine((keys) => keys.every(isSecretsKey), 'each key must be 32 bytes, as base64 or 64 hex digits'),
  DLQ_FILE: z.string().optional(),
  FAULT_KILL_AFTER_COMMITS: int(0, 0, 1_000_000_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  METRICS_ENABLED: bool(true),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_ENDPOINT_LABELS: int(50, 0, 10_000),
});

function isSecretsKey(text: string): boolean {
  try {
    parseSecretsKey(text);
    return true;
  } catch {
    return false;
  }
}

/** The gateway's whole configuration, in plain typed values (milliseconds, bytes). */
export type Config = {
  databaseUrl: string;
  databasePoolSize: number;
  /** Idle connections are closed after this long; 0 keeps the pool open (no reconnect stall when traffic returns). */
  databaseIdleTimeoutMs: number;
  redisUrl: string;
  queuePrefix: string;
  port: number;
  host: string;
  adminToken: string | undefined;
  /** How long an admin console login lasts. */
  adminSessionTtlMs: number;
  retrySchedule: number[];
  retryJitter: number;
  retryAfterMaxMs: number;
  permanentStatusCodes: number[];
  deliveryTimeoutMs: number;
  responseBodyLimit: number;
  maxPayloadBytes: number;
  /** Requests per second per token (0: unlimited), and the burst allowed above it. */
  apiRateLimit: { ratePerSecond: number; burst: number };
  workerConcurrency: number;
  /** How long a worker's claim on a job lasts without renewal: a crashed worker's jobs are taken over after it. */
  jobLockMs: number;
  /** Requests in flight per new or slow endpoint, per worker process (fast endpoints are not limited). */
  endpointConcurrency: number;
  /** A request slower than this makes its endpoint slow (limited to `endpointConcurrency`). */
  endpointSlowAfterMs: number;
  reconcileIntervalMs: number;
  reconcileGraceMs: number;
  reconcileBatch: number;
  breaker: { enabled: boolean; failures: number; openForMs: number; successes: number };
  /** Redeliver an endpoint's dead letters from its outage once its breaker closes again. */
  replayOnRecovery: boolean;
  allowPrivateTargets: boolean;
  /** Ranges allowed as delivery targets even though private (e.g. an internal network you trust). */
  allowedTargetCidrs: string[];
  httpsOnly: boolean;
  /** Seals endpoint secrets at rest (AES-256-GCM); previous keys stay readable after a key rotation. */
  secretsKey: string | undefined;
  secretsKeysPrevious: string[];
  dlqFile: string | undefined;
  /** Testing hook for fault injection: the API process SIGKILLs itself right after this many publish commits, before queueing (0: off). */
  faultKillAfterCommits: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /**
   * Prometheus metrics: served at `/metrics` by the API, and on `port` (when set) by any role, so a
   * worker process can be scraped too. `token` (when set) is required as a bearer token; endpoints
   * beyond `endpointLabels` are counted under the label `other`.
   */
  metrics: { enabled: boolean; token: string | undefined; port: number | undefined; endpointLabels: number };
};

/** A configuration error listing every bad variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'invalid_config';
}

/**
 * Parses the environment (default: `process.env`) into a `Config`; throws `ConfigError` naming each bad variable.
 * @example const config = loadConfig({ ...process.env, PORT: '0' });
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT)
    throw new ConfigError('invalid configuration:\n  METRICS_PORT: must differ from PORT (the API already serves /metrics there)');
  return {
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseIdleTimeoutMs: e.DATABASE_IDLE_TIMEOUT,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    port: e.PORT,
    // Without an admin token the API is open, so it only listens on loopback unless HOST says otherwise.
    host: e.HOST ?? (e.ADMIN_TOKEN ? '0.0.0.0' : '127.0.0.1'),
    adminToken: e.ADMIN_TOKEN,
    adminSessionTtlMs: e.ADMIN_SESSION_TTL,
    retrySchedule: e.RETRY_SCHEDULE,
    retryJitter: e.RETRY_JITTER,
    retryAfterMaxMs: e.RETRY_AFTER_MAX,
    permanentStatusCodes: e.PERMANENT_STATUS_CODES,
    deliveryTimeoutMs: e.DELIVERY_TIMEOUT,
    responseBodyLimit: e.RESPONSE_BODY_LIMIT,
    maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
    apiRateLimit: { ratePerSecond: e.API_RATE_LIMIT, burst: e.API_RATE_BURST || e.API_RATE_LIMIT * 2 },
    workerConcurrency: e.WORKER_CONCURRENCY,
    jobLockMs: e.JOB_LOCK_DURATION,
    endpointConcurrency: e.ENDPOINT_CONCURRENCY,
    endpointSlowAfterMs: e.ENDPOINT_SLOW_AFTER,
    reconcileIntervalMs: e.RECONCILE_INTERVAL,
    reconcileGraceMs: e.RECONCILE_GRACE,
    reconcileBatch: e.RECONCILE_BATCH,
    breaker: { enabled: e.BREAKER_ENABLED, failures: e.BREAKER_FAILURES, openForMs: e.BREAKER_OPEN_FOR, successes: e.BREAKER_SUCCESSES },
    allowPrivateTargets: e.ALLOW_PRIVATE_TARGETS,
    allowedTargetCidrs: e.ALLOWED_TARGET_CIDRS,
    httpsOnly: e.HTTPS_ONLY,
    replayOnRecovery: e.REPLAY_ON_RECOVERY,
    secretsKey: e.SECRETS_KEY,
    secretsKeysPrevious: e.SECRETS_KEYS_PREVIOUS,
    dlqFile: e.DLQ_FILE,
    faultKillAfterCommits: e.FAULT_KILL_AFTER_COMMITS,
    logLevel: e.LOG_LEVEL,
    metrics: { enabled: e.METRICS_ENABLED, token: e.METRICS_TOKEN, port: e.METRICS_PORT, endpointLabels: e.METRICS_ENDPOINT_LABELS },
  };
}
