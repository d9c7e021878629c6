/**
 * The request handler shared by the receiver functions. Each request reads the environment, then
 * runs the gateway's own receiver middleware (src/receiver/middleware.ts, Hono): verify the
 * signature and timestamp (400/401 `{error: {code, message}}`), claim the webhook id in
 * `processed_webhooks` (a processed id answers 200 `{duplicate: true}`, a claimed one 409), run the
 * function's handler once, then complete the claim on a 2xx answer or release it on any other
 * answer or a throw (500), so the gateway's retry is processed. Nothing here re-implements
 * verification or idempotency.
 *
 * Clients and stores are cached per store setting (backend.ts), and the Hono app per setting and
 * secret list, so warm requests reuse connections while a changed env takes effect at once.
 */
import { Hono } from 'hono';
import { webhookReceiver, type VerifiedWebhook } from '../../../src/receiver/index.ts';
import { backendFor, type ReceiverBackend } from './backend.ts';
import { ConfigError, denoEnv, readReceiverEnv, type EnvReader, type ReceiverEnv } from './env.ts';
import { errorResponse } from './http.ts';

/** What a function's handler gets besides the webhook. */
export type WebhookContext<C> = { backend: ReceiverBackend; config: C };

/**
 * Processes one verified, newly claimed webhook. Return nothing or a 2xx Response to mark it
 * processed; return another Response (e.g. 503 with `Retry-After`) or throw to release the claim.
 */
export type WebhookHandler<C> = (event: VerifiedWebhook, context: WebhookContext<C>) => Promise<Response | void>;

export type WebhookFunctionOptions<C> = {
  /** The function's name, in its logs. */
  name: string;
  /** Reads the function's own settings from the env on each request; throws ConfigError when unusable. */
  readConfig: (env: EnvReader) => C;
  handler: WebhookHandler<C>;
  /** Where the environment comes from. Default `Deno.env`. */
  env?: EnvReader;
};

type Bindings<C> = { Bindings: { config: C } };

function log(name: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ level: 'error', function: name, time: new Date().toISOString(), ...fields }));
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Builds the `Deno.serve` handler of a receiver function.
 *
 * @example
 * Deno.serve({ port: Number(Deno.env.get('PORT') ?? 8000) }, createWebhookFunction({
 *   name: 'webhook-event-logger', readConfig: () => undefined, handler: async (event, { backend }) => { ... },
 * }));
 */
export function createWebhookFunction<C>(options: WebhookFunctionOptions<C>): (request: Request) => Promise<Response> {
  const { name, readConfig, handler, env = denoEnv } = options;
  const apps = new Map<string, Hono<Bindings<C>>>();

  function appFor(receiver: ReceiverEnv): Hono<Bindings<C>> {
    const key = JSON.stringify([receiver.target, receiver.secrets, receiver.toleranceSeconds]);
    let app = apps.get(key);
    if (app !== undefined) return app;
    const backend = backendFor(receiver.target);
    app = new Hono<Bindings<C>>();
    app.post(
      '*',
      webhookReceiver<Bindings<C>>({
        secrets: receiver.secrets,
        store: backend.idempotency,
        ...(receiver.toleranceSeconds === undefined ? {} : { toleranceSeconds: receiver.toleranceSeconds }),
        handler: (event, c) => handler(event, { backend, config: c.env.config }),
        onError: (error, failure) => log(name, { ...failure, error: messageOf(error) }),
      }),
    );
    app.all('*', () => errorResponse(405, 'method_not_allowed', 'Send webhooks with POST', { allow: 'POST' }));
    app.onError((error) => {
      log(name, { phase: 'request', error: messageOf(error) });
      return errorResponse(500, 'internal_error', 'The webhook could not be processed; retry later');
    });
    apps.set(key, app);
    return app;
  }

  return async (request) => {
    let receiver: ReceiverEnv;
    let config: C;
    try {
      receiver = readReceiverEnv(env);
      config = readConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      log(name, { phase: 'config', error: error.message });
      return errorResponse(500, error.code, `The function is misconfigured: ${error.message}`);
    }
    return await appFor(receiver).fetch(request, { config });
  };
}
