/**
 * Which delivery outcomes count against an endpoint's breaker. A failure is anything that says the
 * endpoint is down or overloaded: timeouts, connection errors, an unreachable target, 5xx, 429 and
 * 408. Any other HTTP answer (2xx, 3xx, 4xx such as 400/404) proves the endpoint is up, so it counts
 * as a success for the breaker even when the delivery itself failed.
 */
export function breakerOutcome(outcome: { ok: boolean; reason?: string; status?: number | undefined }): 'success' | 'failure' {
  if (outcome.ok) return 'success';
  if (outcome.reason === 'timeout' || outcome.reason === 'network_error' || outcome.reason === 'invalid_target') return 'failure';
  const status = outcome.status ?? 0;
  return status >= 500 || status === 429 || status === 408 ? 'failure' : 'success';
}
