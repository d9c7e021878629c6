/**
 * Postgres access: the drizzle schema (source of truth for every delivery), a pooled client
 * factory, and migrations applied at start-up under an advisory lock.
 */
export { createDatabase, type Database, type Db, type Tx } from './client.ts';
export { ensureDatabase, migrateDatabase, migrationsApplied } from './migrate.ts';
export {
  DEFAULT_TENANT_ID,
  apiTokens,
  auditLog,
  circuitBreakerState,
  circuitBreakerTransitions,
  consoleSessions,
  deliveries,
  deliveryAttempts,
  endpointSecrets,
  endpoints,
  events,
  tenants,
  webhookFailures,
  type ApiToken,
  type CircuitBreakerRow,
  type CircuitBreakerTransition,
  type ConsoleSession,
  type DeadLetter,
  type DeadLetterStatus,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
  type Endpoint,
  type EndpointSecret,
  type Event,
  type Tenant,
} from './schema/index.ts';
