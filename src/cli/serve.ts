import type { Config } from '../config.ts';
import { parse, UsageError, type CliContext, type Command } from './command.ts';
import { tuneWorkerHeap } from './worker-heap.ts';

/** A process role: everything in one process, the API, the delivery side, or migrations only. */
export type ServeRole = 'all' | 'api' | 'worker' | 'migrate';

/**
 * Runs a gateway process with configuration from `env` until SIGTERM or SIGINT, then shuts down
 * gracefully; resolves with the exit code. `migrate` applies pending migrations and returns.
 */
export async function runRole(role: ServeRole, context: Pick<CliContext, 'env' | 'err'>): Promise<number> {
  // Loaded here so that the API helpers start fast without the server's modules.
  const [{ loadConfig }, { migrateDatabase }, { startGateway }, { createLogger }] = await Promise.all([
    import('../config.ts'),
    import('../db/index.ts'),
    import('../gateway.ts'),
    import('../logger.ts'),
  ]);
  let config: Config;
  try {
    config = loadConfig(context.env);
  } catch (error) {
    context.err(`webhook gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const logger = createLogger(config.logLevel, { role });
  try {
    if (role === 'migrate') {
      await migrateDatabase(config.databaseUrl);
      logger.info('migrations applied');
      return 0;
    }
    if (!config.adminToken && role !== 'worker')
      logger.warn('ADMIN_TOKEN is not set: the API accepts requests without a token (development only) and listens on loopback');
    if (!config.secretsKey) logger.warn('SECRETS_KEY is not set: endpoint signing secrets are stored unencrypted (development only)');
    if (role === 'worker') tuneWorkerHeap();
    const gateway = await startGateway({ config, role, logger });
    logger.info({ url: gateway.url }, 'webhook gateway started');
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    logger.info({ signal }, 'shutting down: finishing in-flight deliveries');
    await gateway.close();
    return 0;
  } catch (error) {
    logger.error({ err: error }, role === 'migrate' ? 'migration failed' : 'webhook gateway failed');
    context.err(`webhook gateway failed${role === 'migrate' ? ' to migrate' : ''}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

const ENV_HELP = `Configuration comes from the environment: DATABASE_URL, REDIS_URL, PORT, HOST, ADMIN_TOKEN,
SECRETS_KEY, RETRY_SCHEDULE, BREAKER_FAILURES, BREAKER_OPEN_FOR, ... (see the README's Configuration).`;

function roleCommand(name: string, role: ServeRole, summary: string, detail: string): Command {
  const help = `Usage: webhook-gateway ${name}\n\n${detail}\n\n${ENV_HELP}`;
  return {
    name,
    summary,
    help,
    async run(args, context) {
      const { values, positionals } = parse(args, { help: { type: 'boolean', short: 'h' } });
      if (values.help) {
        context.out(`${help}\n`);
        return 0;
      }
      if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
      return runRole(role, context);
    },
  };
}

/** `start`, `api`, `worker` and `migrate`. */
export const serveCommands: Command[] = [
  roleCommand(
    'start',
    'all',
    'run the API, delivery workers and reconciler in one process',
    'Runs the HTTP API, the delivery workers, the reconciler and the outbox dispatcher in one process,\nafter creating the database if missing and applying pending migrations. Stops gracefully on SIGTERM.',
  ),
  roleCommand('api', 'api', 'run the HTTP API only', 'Runs the HTTP API only (scale it out behind a load balancer). Stops gracefully on SIGTERM.'),
  roleCommand(
    'worker',
    'worker',
    'run delivery workers, reconciler and outbox dispatcher',
    'Runs the delivery workers, the reconciler and the outbox dispatcher, without the API.\nRun as many as you need on one Postgres and one Redis. Stops gracefully on SIGTERM,\nletting in-flight deliveries finish.',
  ),
  roleCommand('migrate', 'migrate', 'apply database migrations and exit', 'Creates the database if missing, applies pending migrations and exits.'),
];
