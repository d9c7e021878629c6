import { z } from '@hono/zod-openapi';
import { API_SCOPES } from '../tenants/index.ts';

/** Response schemas of the API, for `/openapi.json` (they mirror the views in src/publisher/views.ts). */
const isoTime = z.string().openapi({ format: 'date-time' });
const nullableTime = isoTime.nullable();

export const EndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.string()),
    headers: z.record(z.string(), z.string()),
    enabled: z.boolean(),
    disabledReason: z.string().nullable(),
    breaker: z.object({ failures: z.number().nullable(), openForMs: z.number().nullable(), successes: z.number().nullable() }),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .openapi('Endpoint');

export const CreatedEndpointSchema = EndpointSchema.extend({
  secret: z.string().openapi({ description: 'The signing secret (`whsec_...`), shown only here and by GET .../secret' }),
}).openapi('CreatedEndpoint');

export const SecretSchema = z.object({ secret: z.string() }).openapi('Secret');
export const RotatedSecretSchema = z.object({ secret: z.string(), previousExpiresAt: isoTime }).openapi('RotatedSecret');

export const BreakerSchema = z
  .object({
    endpointId: z.string(),
    state: z.enum(['closed', 'open', 'half_open']),
    failures: z.number(),
    successes: z.number(),
    openedAt: nullableTime,
    halfOpenAt: nullableTime,
    trialInFlight: z.boolean(),
    thresholds: z.object({ failures: z.number(), openForMs: z.number(), successes: z.number() }),
    updatedAt: nullableTime,
  })
  .openapi('Breaker');

export const TransitionSchema = z
  .object({ id: z.string(), from: z.string(), to: z.string(), reason: z.string(), at: isoTime })
  .openapi('BreakerTransition');

export const EventSchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    type: z.string(),
    payload: z.unknown(),
    idempotencyKey: z.string().nullable(),
    correlationId: z.string(),
    createdAt: isoTime,
  })
  .openapi('Event');

export const AcceptedEventSchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    type: z.string(),
    idempotencyKey: z.string().nullable(),
    correlationId: z.string(),
    createdAt: isoTime,
    deliveries: z.number().openapi({ description: 'How many endpoints the event will be delivered to' }),
  })
  .openapi('AcceptedEvent');

export const DeliverySchema = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    eventId: z.string(),
    endpointId: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed', 'dead']),
    series: z.number(),
    attemptCount: z.number(),
    nextAttemptAt: nullableTime,
    lastAttemptAt: nullableTime,
    lastStatusCode: z.number().nullable(),
    lastError: z.string().nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .openapi('Delivery');

export const AttemptSchema = z
  .object({
    id: z.string(),
    series: z.number(),
    attemptNumber: z.number(),
    trigger: z.enum(['scheduled', 'manual']),
    outcome: z.enum(['succeeded', 'failed']),
    startedAt: isoTime,
    durationMs: z.number(),
    statusCode: z.number().nullable(),
    responseBody: z.string().nullable(),
    errorCode: z.string().nullable(),
    error: z.string().nullable(),
  })
  .openapi('Attempt');

export const EventWithDeliveriesSchema = EventSchema.extend({ deliveries: z.array(DeliverySchema) }).openapi('EventWithDeliveries');
export const DeliveryWithAttemptsSchema = DeliverySchema.extend({ attempts: z.array(AttemptSchema) }).openapi('DeliveryWithAttempts');

export const RedeliverySchema = z
  .object({ id: z.string(), webhookId: z.string(), series: z.number(), status: z.literal('pending') })
  .openapi('Redelivery');

export const DeadLetterSchema = z
  .object({
    id: z.string(),
    deliveryId: z.string(),
    eventId: z.string(),
    endpointId: z.string(),
    eventType: z.string(),
    series: z.number(),
    attempts: z.number(),
    reason: z.string(),
    lastStatusCode: z.number().nullable(),
    lastError: z.string().nullable(),
    status: z.enum(['open', 'redelivered', 'dismissed']),
    failedAt: isoTime,
    resolvedAt: nullableTime,
  })
  .openapi('DeadLetter');

export const BulkRedeliverySchema = z.object({ count: z.number(), skipped: z.number() }).openapi('BulkRedelivery');

export const TenantSchema = z.object({ id: z.string(), name: z.string(), createdAt: isoTime }).openapi('Tenant');

export const CreatedTokenSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string(),
    prefix: z.string(),
    scopes: z.array(z.enum(API_SCOPES)),
    createdAt: isoTime,
    lastUsedAt: nullableTime,
    revokedAt: nullableTime,
    token: z.string().openapi({ description: 'The bearer token, shown only here' }),
  })
  .openapi('CreatedToken');

/** A page of results; pass `nextCursor` back as `before` (`after` for endpoints). */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable() });
}
