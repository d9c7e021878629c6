/** Why an attempt did not succeed; stable codes stored in `delivery_attempts.error_code`. */
export type FailureReason =
  | 'timeout'
  | 'network_error'
  | 'http_status'
  | 'redirect'
  | 'circuit_open'
  | 'endpoint_disabled'
  | 'invalid_target';

/** The result of one delivery attempt: a value, never an exception. */
export type AttemptOutcome =
  | { ok: true; status: number; durationMs: number; responseBody: string }
  | {
      ok: false;
      reason: FailureReason;
      message: string;
      durationMs: number;
      status?: number | undefined;
      responseBody?: string | undefined;
      /** From a `Retry-After` header on 429/503, in milliseconds. */
      retryAfterMs?: number | undefined;
    };
