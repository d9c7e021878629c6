import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { createBreaker, createPostgresBreakerStore } from './breaker/index.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { createDatabase, DEFAULT_TENANT_ID, migrateDatabase, migrationsApplied, type Database } from './db/index.ts';
import type { Logger } from './logger.ts';
import { createGatewayMetrics, createOpsApp } from './metrics/index.ts';
import {
  createDeadLetterFile,
  createDeliveryQueue,
  createDeliveryWorker,
  createEndpointGate,
  createHttpSender,
  createOutboxDispatcher,
  createPublisher,
  createReconciler,
  createTargetGuard,
  redeliveryService,
  type DeliveryQueue,
  type Reconciler,
} from './publisher/index.ts';
import { createReadinessCheck } from './health/index.ts';
import { createRedis } from './redis.ts';
import { createSecretBox } from './secrets/index.ts';

/** Which parts a process runs: `all` (one process), `api`, or `worker` (workers, reconciler, dispatcher). */
export type Role = 'all' | 'api' | 'worker';

export type Gateway = {
  /** Base URL of the API, when this process serves it. */
  url: string | undefined;
  /** Base URL of the operations server (`/metrics`, `/healthz`, `/readyz`), when `METRICS_PORT` is set. */
  metricsUrl: string | undefined;
  database: Database;
  queue: DeliveryQueue;
  reconciler: Reconciler | undefined;
  /** Graceful shutdown: stop accepting, finish in-flight deliveries, close connections. */
  close(): Promise<void>;
};

/**
 * Starts a gateway process: applies migrations (creating the database if missing), then starts the
 * API and/or the delivery side. Tests start it in-process with their own database and queue prefix.
 */
export async function startGateway(options: { config: Config; role: Role; logger: Logger; clock?: Clock }): Promise<Gateway> {
  const { config, role, logger } = options;
  const clock = options.clock ?? systemClock;
  await migrateDatabase(config.databaseUrl);
  const secretBox = createSecretBox({ key: config.secretsKey, previous: config.secretsKeysPrevious });
  const database = createDatabase({
    url: config.databaseUrl,
    max: config.databasePoolSize,
    idleTimeoutMs: config.databaseIdleTimeoutMs,
    applicationName: `webhook-gateway-${role}`,
  });
  await warnWithoutAutovacuum(database, logger);
  const producer = createRedis(config.redisUrl, 'producer');
  producer.on('error', (error: Error) => logger.debug({ err: error }, 'redis (producer) error'));
  const queue = createDeliveryQueue({ connection: producer, prefix: config.queuePrefix });
  const closers: (() => Promise<unknown>)[] = [];
  let url: string | undefined;
  let metricsUrl: string | undefined;
  const metrics = config.metrics.enabled
    ? createGatewayMetrics({
        endpointLabels: config.metrics.endpointLabels,
        sources: { db: database.db, queue, clock, breakerOpenForMs: config.breaker.openForMs },
      })
    : undefined;
  const readiness = createReadinessCheck({
    postgres: () => database.sql`select 1`,
    migrations: () => migrationsApplied(database.sql),
    redis: () => producer.ping(),
  });
  let reconciler: Reconciler | undefined;

  if (role === 'all' || role === 'worker') {
    const workerRedis = createRedis(config.redisUrl, 'worker');
    workerRedis.on('error', (error: Error) => logger.debug({ err: error }, 'redis (worker) error'));
    const guard = createTargetGuard({
      allowPrivateTargets: config.allowPrivateTargets,
      allowedCidrs: config.allowedTargetCidrs,
      httpsOnly: config.httpsOnly,
    });
    const sender = createHttpSender({ timeoutMs: config.deliveryTimeoutMs, responseBodyLimit: config.responseBodyLimit, clock, guard });
    const deadLetterFile = config.dlqFile
      ? createDeadLetterFile(config.dlqFile, (error) => logger.error({ err: error }, 'could not append to the dead-letter file'))
      : undefined;
    const breaker = config.breaker.enabled ? createBreaker({ store: createPostgresBreakerStore(database.db), clock, newId: randomUUID }) : undefined;
    const redelivery = redeliveryService(database.db, queue, (error) => logger.warn({ err: error }, 'could not queue replay'));
    const onRecovered = (endpointId: string, since: number) => {
      if (!config.replayOnRecovery) return;
      redelivery
        .redeliverDeadLetters({ tenantId: DEFAULT_TENANT_ID, allTenants: true, actor: 'breaker-recovery', scopes: ['admin'] }, { endpointId, since: new Date(since) })
        .then(
          ({ count }) => logger.info({ endpointId, count }, 'endpoint recovered: replaying its dead letters from the outage'),
          (error: unknown) => logger.error({ err: error, endpointId }, 'could not replay dead letters after recovery'),
        );
    };
    const worker = createDeliveryWorker({
      db: database.db,
      queue,
      sender,
      clock,
      logger,
      metrics: metrics?.delivery,
      deadLetterFile,
      policy: {
        schedule: config.retrySchedule,
        permanentStatusCodes: config.permanentStatusCodes,
        retryAfterMaxMs: config.retryAfterMaxMs,
        jitter: config.retryJitter,
      },
      connection: workerRedis,
      prefix: config.queuePrefix,
      concurrency: config.workerConcurrency,
      lockMs: config.jobLockMs,
      breaker,
      secretBox,
      breakerDefaults: { ...config.breaker, trialLeaseMs: config.deliveryTimeoutMs + 5_000 },
      onRecovered,
      gate: createEndpointGate({
        clock,
        limit: config.endpointConcurrency,
        slowAfterMs: config.endpointSlowAfterMs,
        timeoutMs: config.deliveryTimeoutMs,
      }),
    });
    reconciler = createReconciler({
      db: database.db,
      queue,
      clock,
      logger,
      intervalMs: config.reconcileIntervalMs,
      graceMs: config.reconcileGraceMs,
      batch: config.reconcileBatch,
    });
    const dispatcher = createOutboxDispatcher({ db: database.db, sql: database.sql, queue, logger });
    await dispatcher.start();
    reconciler.start();
    const started = reconciler;
    // Shutdown order: stop finding new work, let in-flight deliveries finish and be recorded, then disconnect.
    closers.push(
      () => started.stop(),
      () => dispatcher.stop(),
      () => worker.close(),
      () => sender.close(),
      () => workerRedis.quit().catch(() => workerRedis.disconnect()),
    );
  }

  if (role === 'all' || role === 'api') {
    const publisher = createPublisher({ db: database.db, queue, logger, afterCommit: killAfterCommits(config.faultKillAfterCommits, logger) });
    // Loaded only where the API runs: a worker process does not carry the API, docs and console code.
    const { createApp } = await import('./api/index.ts');
    const app = createApp({
      db: database.db,
      queue,
      publisher: metrics ? metrics.countPublishes(publisher) : publisher,
      clock,
      logger,
      config,
      secretBox,
      readiness,
      metrics: metrics && { source: metrics, token: config.metrics.token },
    });
    const server = await listen(app.fetch, config.port, config.host);
    url = baseUrl(server, config.host);
    closers.unshift(() => new Promise<void>((resolve) => server.close(() => resolve())));
  }

  if (metrics && config.metrics.port === undefined && role === 'worker')
    logger.info('this worker serves no metrics: set METRICS_PORT to scrape its counters');
  if (metrics && config.metrics.port !== undefined) {
    const ops = createOpsApp({ readiness, source: metrics, token: config.metrics.token });
    const server = await listen(ops.fetch, config.metrics.port, config.host);
    metricsUrl = baseUrl(server, config.host);
    closers.unshift(() => new Promise<void>((resolve) => server.close(() => resolve())));
  }

  closers.push(
    () => queue.close(),
    () => producer.quit().catch(() => producer.disconnect()),
    () => database.close(),
  );
  let closing: Promise<void> | undefined;
  return {
    url,
    metricsUrl,
    database,
    queue,
    reconciler,
    close() {
      closing ??= (async () => {
        for (const close of closers) {
          try {
            await close();
          } catch (error) {
            logger.warn({ err: error }, 'error during shutdown');
          }
        }
      })();
      return closing;
    },
  };
}

/**
 * Every attempt updates its delivery row, so the tables need autovacuum: without it they bloat, and
 * statistics taken once (say, of an empty table) keep plans that scan whole tables as they grow.
 */
async function warnWithoutAutovacuum(database: Database, logger: Logger): Promise<void> {
  const rows = await database.sql<{ on: boolean }[]>`select current_setting('autovacuum') = 'on' as on`.catch(() => []);
  if (rows[0]?.on === false)
    logger.warn('Postgres autovacuum is off: the delivery tables bloat and their statistics go stale; turn it on, or VACUUM ANALYZE them regularly');
}

function baseUrl(server: ServerType, host: string): string {
  const address = server.address() as AddressInfo;
  if (host === '0.0.0.0') return `http://127.0.0.1:${address.port}`;
  return `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
}

/**
 * The `FAULT_KILL_AFTER_COMMITS` testing hook: SIGKILL this process right after the n-th publish
 * commit, before its deliveries are queued (a crash between commit and enqueue). Off when n is 0.
 */
function killAfterCommits(n: number, logger: Logger): (() => void) | undefined {
  if (n <= 0) return undefined;
  logger.warn({ commits: n }, 'FAULT_KILL_AFTER_COMMITS is set: this process will kill itself after that many publish commits');
  let commits = 0;
  return () => {
    if (++commits === n) process.kill(process.pid, 'SIGKILL');
  };
}

function listen(fetch: (request: Request) => Response | Promise<Response>, port: number, hostname: string): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }, () => resolve(server));
    server.once('error', reject);
  });
}
