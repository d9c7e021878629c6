import type { Context, Env, MiddlewareHandler } from 'hono';
import type { Clock } from '../clock.ts';
import { WebhookVerificationError } from './errors.ts';
import type { ClaimResult, IdempotencyStore } from './idempotency.ts';
import { verifyWebhook, type VerifiedWebhook } from './verify.ts';

/** Where a failure reported to {@link WebhookReceiverOptions.onError} happened. */
export type WebhookReceiverFailure = { phase: 'claim' | 'handler' | 'complete' | 'release'; webhookId: string };

/** Options for {@link webhookReceiver}. */
export type WebhookReceiverOptions<E extends Env> = {
  /** The endpoint secret(s), `whsec_...`; several during rotation. */
  secrets: string | readonly string[];
  /** Where processed webhook ids are recorded. */
  store: IdempotencyStore;
  /** Accepted clock difference in seconds, either way. Default 300. */
  toleranceSeconds?: number;
  /** Seconds in `Retry-After` when another copy of the webhook is being processed. Default 60. */
  retryAfterSeconds?: number;
  /** Time source for the timestamp check. Default the wall clock. */
  clock?: Clock;
  /**
   * Processes one verified webhook, at most once per id. Return nothing for `200 {ok: true}`, or a
   * Response: a 2xx one marks the webhook processed, any other releases it so a retry is processed.
   * Throwing releases it and answers 500, so the sender retries.
   */
  handler: (event: VerifiedWebhook, c: Context<E>) => Response | void | Promise<Response | void>;
  /** Told about handler and store failures (the response never carries their details). */
  onError?: (error: unknown, failure: WebhookReceiverFailure) => void;
};

const errorBody = (code: string, message: string) => ({ error: { code, message } });

/**
 * Hono middleware for a Node receiver: verifies the signature headers against the raw body,
 * claims the webhook id, runs `handler` once per id and records the outcome.
 *
 * Answers: 400/401 `{error: {code, message}}` when verification fails; 200 `{duplicate: true}` for
 * an id already processed (the handler is not run); 409 with `Retry-After` while another copy holds
 * the id; 503 when the store cannot be reached; 500 when the handler fails (its claim is released,
 * so the sender's retry is processed). It ends the chain; it does not call `next`.
 *
 * @example
 * app.post('/webhooks', webhookReceiver({ secrets: env.WEBHOOK_SECRET, store, handler: async (event) => { await save(event.payload) } }));
 */
export function webhookReceiver<E extends Env = Env>(options: WebhookReceiverOptions<E>): MiddlewareHandler<E> {
  const { secrets, store, toleranceSeconds, retryAfterSeconds = 60, clock, handler, onError = () => {} } = options;

  return async (c) => {
    let event: VerifiedWebhook;
    try {
      event = await verifyWebhook({
        headers: c.req.raw.headers,
        body: await c.req.text(),
        secrets,
        ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
        now: clock?.now() ?? Date.now(),
      });
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      return c.json(errorBody(error.code, error.message), error.httpStatus);
    }

    const webhookId = event.id;
    const { payload } = event;
    const payloadType = typeof payload === 'object' && payload !== null && 'type' in payload ? payload.type : undefined;
    let claim: ClaimResult;
    try {
      claim = await store.claim(webhookId, {
        timestamp: event.timestamp,
        ...(typeof payloadType === 'string' ? { eventType: payloadType } : {}),
      });
    } catch (error) {
      onError(error, { phase: 'claim', webhookId });
      c.header('Retry-After', String(retryAfterSeconds));
      return c.json(errorBody('store_unavailable', 'Could not record the webhook; retry later'), 503);
    }
    if (claim === 'duplicate') return c.json({ duplicate: true }, 200);
    if (claim === 'in_progress') {
      c.header('Retry-After', String(retryAfterSeconds));
      return c.json(errorBody('in_progress', 'This webhook is being processed; retry later'), 409);
    }

    let response: Response | void;
    try {
      response = await handler(event, c);
    } catch (error) {
      onError(error, { phase: 'handler', webhookId });
      await release(webhookId);
      return c.json(errorBody('handler_failed', 'The webhook handler failed; retry later'), 500);
    }
    if (response instanceof Response && (response.status < 200 || response.status > 299)) {
      await release(webhookId);
      return response;
    }
    try {
      await store.complete(webhookId);
    } catch (error) {
      // The work is done: answering 2xx stops retries; at worst the id is processed again after the lease.
      onError(error, { phase: 'complete', webhookId });
    }
    return response instanceof Response ? response : c.json({ ok: true }, 200);
  };

  async function release(webhookId: string): Promise<void> {
    try {
      await store.release(webhookId);
    } catch (error) {
      // The claim then lapses with its lease and the retry after that is processed.
      onError(error, { phase: 'release', webhookId });
    }
  }
}
