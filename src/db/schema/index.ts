export { DEFAULT_TENANT_ID, tenants, type Tenant } from './tenants.ts';
export { endpoints, endpointSecrets, type Endpoint, type EndpointSecret } from './endpoints.ts';
export { events, type Event } from './events.ts';
export {
  attemptTrigger,
  deliveries,
  deliveryAttempts,
  deliveryStatus,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
} from './deliveries.ts';
export { auditLog, deadLetterStatus, webhookFailures, type DeadLetter, type DeadLetterStatus } from './dead-letters.ts';
export {
  breakerStateName,
  circuitBreakerState,
  circuitBreakerTransitions,
  type CircuitBreakerRow,
  type CircuitBreakerTransition,
} from './breaker.ts';
export { apiTokens, type ApiToken } from './tokens.ts';
export { consoleSessions, type ConsoleSession } from './console-sessions.ts';
