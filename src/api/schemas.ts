import { z } from 'zod';

/** Request schemas shared by the route files (zod at the edge; plain objects inside). */
export const endpointCreateSchema = z.object({
  url: z.string(),
  eventTypes: z.array(z.string()).max(100).optional(),
  description: z.string().max(1000).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  breaker: z
    .object({
      failures: z.number().int().min(1).max(1000).nullable().optional(),
      openForMs: z.number().int().min(100).max(86_400_000).nullable().optional(),
      successes: z.number().int().min(1).max(1000).nullable().optional(),
    })
    .optional(),
});

export const endpointPatchSchema = endpointCreateSchema.partial().extend({ enabled: z.boolean().optional() });

export const rotateSchema = z.object({ graceSeconds: z.number().int().min(0).optional() });

export const publishSchema = z.object({
  type: z.string(),
  payload: z.unknown().refine((value) => value !== undefined, 'payload is required'),
  idempotencyKey: z.string().min(1).max(255).optional(),
  correlationId: z.string().min(1).max(200).optional(),
});

export const bulkRedeliverSchema = z.object({
  endpointId: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  ids: z.array(z.string()).max(10_000).optional(),
});

export const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  before: z.string().optional(),
});

export const deliveryQuerySchema = pageSchema.extend({
  endpointId: z.string().optional(),
  eventId: z.string().optional(),
  status: z.enum(['pending', 'succeeded', 'failed', 'dead']).optional(),
});

export const deadLetterQuerySchema = pageSchema.extend({
  endpointId: z.string().optional(),
  status: z.enum(['open', 'redelivered', 'dismissed', 'all']).default('open'),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});

/** A page of results; `nextCursor` is passed back as `before` (or `after` for endpoints). */
export function page<T extends { id: string }>(data: T[], limit: number): { data: T[]; nextCursor: string | null } {
  return { data, nextCursor: data.length === limit ? (data[data.length - 1]?.id ?? null) : null };
}

/** Small JSON bodies (everything but events). */
export const SMALL_BODY_LIMIT = 64 * 1024;
