import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createRoute } from '@hono/zod-openapi';
import { breakerTransitions, createBreaker, createPostgresBreakerStore, effectiveState, type BreakerConfig } from '../../breaker/index.ts';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config.ts';
import { circuitBreakerState, type Db, type Endpoint } from '../../db/index.ts';
import { endpointService } from '../../publisher/index.ts';
import type { SecretBox } from '../../secrets/index.ts';
import { requireScope, type AuthEnv } from '../auth.ts';
import { BEARER, errors, IdParams, json, openApiApp, V1_ERRORS } from '../openapi.ts';
import { BreakerSchema, TransitionSchema } from '../response-schemas.ts';
import { pageSchema } from '../schemas.ts';
import { z } from 'zod';

type Deps = { db: Db; clock: Clock; defaults: Config['breaker']; secretBox: SecretBox };

const tags = ['breaker'];
const read = createRoute({
  method: 'get',
  path: '/{id}/breaker',
  tags,
  summary: "Read the endpoint's circuit breaker",
  security: BEARER,
  request: { params: IdParams },
  responses: { 200: json(BreakerSchema, 'The breaker (state as of now)'), ...errors(...V1_ERRORS) },
});
const reset = createRoute({
  method: 'post',
  path: '/{id}/breaker/reset',
  tags,
  summary: 'Close the breaker and clear its counters (admin override)',
  security: BEARER,
  request: { params: IdParams },
  responses: { 200: json(BreakerSchema, 'The breaker after the reset'), ...errors(...V1_ERRORS) },
});
const transitions = createRoute({
  method: 'get',
  path: '/{id}/breaker/transitions',
  tags,
  summary: "The breaker's state transitions, newest first",
  security: BEARER,
  request: { params: IdParams, query: pageSchema },
  responses: { 200: json(z.object({ data: z.array(TransitionSchema) }), 'Transitions'), ...errors(...V1_ERRORS) },
});

/** `/v1/endpoints/:id/breaker`: the endpoint's circuit breaker, its transitions, and an admin reset. */
export function breakerRoutes({ db, clock, defaults, secretBox }: Deps) {
  const endpoints = endpointService({ db, clock, secretBox });
  const breaker = createBreaker({ store: createPostgresBreakerStore(db), clock, newId: randomUUID });
  const configFor = (endpoint: Endpoint): BreakerConfig => ({
    failureThreshold: endpoint.breakerFailures ?? defaults.failures,
    openForMs: endpoint.breakerOpenForMs ?? defaults.openForMs,
    successThreshold: endpoint.breakerSuccesses ?? defaults.successes,
    trialLeaseMs: 0,
  });

  async function view(endpoint: Endpoint) {
    const { state } = await breaker.read(endpoint.id);
    const config = configFor(endpoint);
    const [row] = await db.select({ updatedAt: circuitBreakerState.updatedAt }).from(circuitBreakerState).where(eq(circuitBreakerState.endpointId, endpoint.id));
    return {
      endpointId: endpoint.id,
      state: effectiveState(state, clock.now(), config),
      failures: state.failures,
      successes: state.state === 'half_open' ? state.successes : 0,
      openedAt: state.state === 'open' ? new Date(state.openedAt).toISOString() : null,
      halfOpenAt: state.state === 'open' ? new Date(state.openedAt + config.openForMs).toISOString() : null,
      trialInFlight: state.state === 'half_open' && state.trial !== null && state.trial.until > clock.now(),
      thresholds: { failures: config.failureThreshold, openForMs: config.openForMs, successes: config.successThreshold },
      updatedAt: row?.updatedAt.toISOString() ?? null,
    };
  }

  const app = openApiApp<AuthEnv>();
  app.use('*', requireScope('endpoints:manage'));
  app.openapi(read, async (c) => c.json(await view(await endpoints.find(c.var.scope, c.req.valid('param').id)), 200));
  app.openapi(reset, async (c) => {
    const endpoint = await endpoints.find(c.var.scope, c.req.valid('param').id);
    await breaker.reset(endpoint.id);
    return c.json(await view(endpoint), 200);
  });
  app.openapi(transitions, async (c) => {
    const endpoint = await endpoints.find(c.var.scope, c.req.valid('param').id);
    const query = c.req.valid('query');
    const rows = await breakerTransitions(db, endpoint.id, query.limit);
    return c.json({ data: rows.map((row) => ({ id: row.id, from: row.fromState, to: row.toState, reason: row.reason, at: row.at.toISOString() })) }, 200);
  });
  return app;
}
