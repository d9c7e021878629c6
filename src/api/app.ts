import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/index.ts';
import type { Logger } from '../logger.ts';
import type { SecretBox } from '../secrets/index.ts';
import { createTargetGuard, historyService, redeliveryService, type DeliveryQueue, type Publisher } from '../publisher/index.ts';
import { bearerAuth, type AuthEnv } from './auth.ts';
import { createErrorHandler, errorBody } from './errors.ts';
import { openApiApp } from './openapi.ts';
import { rateLimit } from './rate-limit.ts';
import { nodeIncoming } from './request.ts';
import { breakerRoutes } from './routes/breaker.ts';
import { deadLetterRoutes, deliveryRoutes } from './routes/deliveries.ts';
import { docsRoutes } from './routes/docs.ts';
import { endpointRoutes } from './routes/endpoints.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes, type ReadinessCheck } from './routes/health.ts';
import { metricsRoutes, type MetricsSource } from './routes/metrics.ts';
import { tenantRoutes } from './routes/tenants.ts';
import { tenantService } from '../tenants/index.ts';
import { adminConsole } from '../console/index.ts';

/** Most request headers accepted (Node's own limit on their total size is 16 KiB). */
const MAX_REQUEST_HEADERS = 100;

export type AppDeps = {
  db: Db;
  queue: DeliveryQueue;
  publisher: Publisher;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'adminToken' | 'adminSessionTtlMs' | 'maxPayloadBytes' | 'apiRateLimit' | 'breaker' | 'allowPrivateTargets' | 'allowedTargetCidrs' | 'httpsOnly'>;
  secretBox: SecretBox;
  readiness: ReadinessCheck;
  /** Served at `/metrics` when given (`METRICS_ENABLED`), behind `token` when set. */
  metrics?: { source: MetricsSource; token: string | undefined } | undefined;
};

/**
 * The HTTP API (SPEC §7). Built from its collaborators so tests call `app.request()` against real
 * Postgres and Redis without a server.
 */
export function createApp(deps: AppDeps) {
  const { db, queue, publisher, clock, logger, config, secretBox } = deps;
  const history = historyService(db);
  const redelivery = redeliveryService(db, queue, (error) => logger.warn({ err: error }, 'could not queue redelivery; the reconciler will'));

  const guard = createTargetGuard({
    allowPrivateTargets: config.allowPrivateTargets,
    allowedCidrs: config.allowedTargetCidrs,
    httpsOnly: config.httpsOnly,
  });

  const tenants = tenantService({ db, clock });

  const v1 = openApiApp<AuthEnv>();
  v1.use('*', bearerAuth(config.adminToken, tenants));
  v1.use('*', rateLimit({ ...config.apiRateLimit, clock }));
  v1.route('/endpoints', endpointRoutes({ db, clock, guard, secretBox }))
    .route('/endpoints', breakerRoutes({ db, clock, defaults: config.breaker, secretBox }))
    .route('/events', eventRoutes({ publisher, history, maxPayloadBytes: config.maxPayloadBytes, logger }))
    .route('/deliveries', deliveryRoutes({ history, redelivery }))
    .route('/dead-letters', deadLetterRoutes({ history, redelivery }))
    .route('/', tenantRoutes({ tenants }));

  const app = openApiApp();
  app.use('*', async (c, next) => {
    // Node already refuses more than 16 KiB of headers (431); this bounds their number too.
    // From Node's raw header list where there is one: iterating a `Headers` sorts a copy of them all.
    const incoming = nodeIncoming(c);
    let count = incoming ? incoming.rawHeaders.length / 2 : 0;
    if (!incoming) c.req.raw.headers.forEach(() => count++);
    if (count > MAX_REQUEST_HEADERS)
      return c.json(errorBody('too_many_headers', `at most ${MAX_REQUEST_HEADERS} request headers`), 431);
    return next();
  });
  if (deps.metrics) app.route('/', metricsRoutes(deps.metrics.source, deps.metrics.token));
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: '`ADMIN_TOKEN`, or a tenant API token from POST /v1/tenants/{id}/tokens',
  });
  app
    .route('/', healthRoutes(deps.readiness))
    .route('/v1', v1)
    .route('/admin', adminConsole({ db, clock, logger, secretBox, history, redelivery, config }))
    .route('/', docsRoutes(app));
  app.notFound((c) => c.json(errorBody('route_not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError(createErrorHandler(logger));
  return app;
}

export type App = ReturnType<typeof createApp>;
