export { DEFAULT_TENANT_ID, tenants, type Tenant } from './tenants.js';
export { endpoints, endpointSecrets, type Endpoint, type EndpointSecret } from './endpoints.js';
export { events, type Event } from './events.js';
export {
  attemptTrigger,
  deliveries,
  deliveryAttempts,
  deliveryStatus,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryStatus,
} from './deliveries.js';
export { auditLog, deadLetterStatus, webhookFailures, type DeadLetter, type DeadLetterStatus } from './dead-letters.js';
export {
  breakerStateName,
  circuitBreakerState,
  circuitBreakerTransitions,
  type CircuitBreakerRow,
  type CircuitBreakerTransition,
} from './breaker.js';
