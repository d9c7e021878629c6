/**
 * Process entry point: `all` (default: API + delivery workers + reconciler), `api`, `worker`, or
 * `migrate`. Configuration comes from the environment (src/config.ts).
 */
import { loadConfig } from './config.ts';
import { migrateDatabase } from './db/index.ts';
import { startGateway, type Role } from './gateway.ts';
import { createLogger } from './logger.ts';

const ROLES = ['all', 'api', 'worker', 'migrate'] as const;

async function main(): Promise<void> {
  const role = (process.argv[2] ?? 'all') as (typeof ROLES)[number];
  if (!ROLES.includes(role)) {
    process.stderr.write(`usage: webhook-gateway [${ROLES.join('|')}]\n`);
    process.exit(2);
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { role });
  if (role === 'migrate') {
    await migrateDatabase(config.databaseUrl);
    logger.info('migrations applied');
    return;
  }
  if (!config.adminToken && role !== 'worker')
    logger.warn('ADMIN_TOKEN is not set: the API accepts requests without a token (development only) and listens on loopback');
  if (!config.secretsKey)
    logger.warn('SECRETS_KEY is not set: endpoint signing secrets are stored unencrypted (development only)');
  const gateway = await startGateway({ config, role: role as Role, logger });
  logger.info({ url: gateway.url }, 'webhook gateway started');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight deliveries');
    gateway.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`webhook gateway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
