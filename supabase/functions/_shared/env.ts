/**
 * Environment of the receiver edge functions. Edge runtimes may supply env per request, so the
 * functions call these readers inside the request handler, never at module load.
 */
import type { BreakerConfig } from '../../../src/breaker/core.ts';

/** Reads one variable (`Deno.env.get` in the functions; a record in tests). */
export type EnvReader = (name: string) => string | undefined;

/** The process environment, read at call time. */
export const denoEnv: EnvReader = (name) => Deno.env.get(name);

/** A missing or invalid variable. The message names the variable, never its value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly code = 'misconfigured';
}

/** Where `processed_webhooks` and the functions' tables live. */
export type StoreTarget =
  | { kind: 'postgres'; url: string }
  | { kind: 'supabase'; url: string; serviceRoleKey: string };

/** What every receiver function needs. */
export type ReceiverEnv = {
  /** The endpoint's signing secrets, `whsec_...`; several during rotation. */
  secrets: string[];
  target: StoreTarget;
  /** Accepted clock difference in seconds, either way (verifyWebhook's default when absent). */
  toleranceSeconds: number | undefined;
};

function present(env: EnvReader, name: string): string | undefined {
  const value = env(name)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function required(env: EnvReader, name: string): string {
  const value = present(env, name);
  if (value === undefined) throw new ConfigError(`${name} is not set`);
  return value;
}

/** A non-negative integer variable, or `fallback` when unset. */
export function intVar(env: EnvReader, name: string, fallback: number, min = 0): number {
  const text = present(env, name);
  if (text === undefined) return fallback;
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}`);
  return value;
}

/**
 * Reads `WEBHOOK_SECRET` (comma-separated for rotation), `WEBHOOK_TOLERANCE_SECONDS` (optional) and
 * the store: `SUPABASE_DB_URL` (direct Postgres through postgres.js) or `SUPABASE_URL` +
 * `SUPABASE_SERVICE_ROLE_KEY` (PostgREST through supabase-js). On Supabase all three are set; the
 * direct connection wins (atomic statements, database clock for leases) unless
 * `WEBHOOK_STORE=supabase` asks for supabase-js.
 *
 * @throws ConfigError naming the missing or invalid variable.
 */
export function readReceiverEnv(env: EnvReader): ReceiverEnv {
  const secrets = required(env, 'WEBHOOK_SECRET')
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
  if (secrets.length === 0) throw new ConfigError('WEBHOOK_SECRET is empty');
  const tolerance = present(env, 'WEBHOOK_TOLERANCE_SECONDS');
  return {
    secrets,
    target: readStoreTarget(env),
    toleranceSeconds: tolerance === undefined ? undefined : intVar(env, 'WEBHOOK_TOLERANCE_SECONDS', 0),
  };
}

function readStoreTarget(env: EnvReader): StoreTarget {
  const choice = present(env, 'WEBHOOK_STORE');
  if (choice !== undefined && choice !== 'postgres' && choice !== 'supabase') {
    throw new ConfigError('WEBHOOK_STORE must be postgres or supabase');
  }
  const dbUrl = present(env, 'SUPABASE_DB_URL');
  if (choice === 'postgres' || (choice === undefined && dbUrl !== undefined)) {
    return { kind: 'postgres', url: required(env, 'SUPABASE_DB_URL') };
  }
  if (present(env, 'SUPABASE_URL') === undefined && choice === undefined) {
    throw new ConfigError('set SUPABASE_DB_URL, or SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY');
  }
  return { kind: 'supabase', url: required(env, 'SUPABASE_URL'), serviceRoleKey: required(env, 'SUPABASE_SERVICE_ROLE_KEY') };
}

/**
 * Breaker thresholds: `BREAKER_FAILURES` (default 5), `BREAKER_OPEN_FOR_MS` (60000),
 * `BREAKER_SUCCESSES` (2). A half-open trial holds its slot for `trialLeaseMs` at most.
 */
export function readBreakerConfig(env: EnvReader, trialLeaseMs: number): BreakerConfig {
  return {
    failureThreshold: intVar(env, 'BREAKER_FAILURES', 5, 1),
    openForMs: intVar(env, 'BREAKER_OPEN_FOR_MS', 60_000, 1),
    successThreshold: intVar(env, 'BREAKER_SUCCESSES', 2, 1),
    trialLeaseMs,
  };
}

/** The email provider's HTTP API and the message defaults. */
export type EmailEnv = {
  apiUrl: string;
  apiKey: string;
  /** Sender address, passed through when the provider wants one. */
  from: string | undefined;
  /** Fixed recipient; otherwise the payload's `data.email`. */
  to: string | undefined;
  timeoutMs: number;
};

/**
 * Reads `EMAIL_API_URL`, `EMAIL_API_KEY`, `EMAIL_FROM` (optional), `EMAIL_TO` (optional) and
 * `EMAIL_TIMEOUT_MS` (default 10000).
 *
 * @throws ConfigError naming the missing or invalid variable.
 */
export function readEmailEnv(env: EnvReader): EmailEnv {
  const apiUrl = required(env, 'EMAIL_API_URL');
  if (!URL.canParse(apiUrl)) throw new ConfigError('EMAIL_API_URL is not a URL');
  return {
    apiUrl,
    apiKey: required(env, 'EMAIL_API_KEY'),
    from: present(env, 'EMAIL_FROM'),
    to: present(env, 'EMAIL_TO'),
    timeoutMs: intVar(env, 'EMAIL_TIMEOUT_MS', 10_000, 1),
  };
}
