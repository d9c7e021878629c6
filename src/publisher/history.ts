import { and, asc, desc, eq, gte, inArray, lt, lte } from 'drizzle-orm';
import { deliveries, deliveryAttempts, events, webhookFailures, type Db, type DeadLetterStatus, type DeliveryStatus } from '../db/index.ts';
import { invalid, notFound } from '../errors.ts';
import { tenantFilter, type Scope } from '../scope.ts';
import { isUuid } from './ids.ts';
import {
  attemptView,
  deadLetterView,
  deliveryView,
  eventView,
  type AttemptView,
  type DeadLetterView,
  type DeliveryView,
  type EventView,
} from './views.ts';

export type Page = { limit: number; before?: string | undefined };

function cursor(before: string | undefined): string | undefined {
  if (before !== undefined && !isUuid(before)) throw invalid('invalid_cursor', 'before must be an id from a previous page');
  return before;
}

function checkId(id: string | undefined, what: string): void {
  if (id !== undefined && !isUuid(id)) throw notFound(what);
}

/**
 * Read side of events, deliveries, attempts and dead letters, newest first, always within the
 * caller's tenant scope. Ids are time-ordered (UUIDv7), so `before` paginates by id.
 */
export function historyService(db: Db) {
  return {
    async event(scope: Scope, id: string): Promise<EventView & { deliveries: DeliveryView[] }> {
      checkId(id, 'event');
      const [row] = await db
        .select()
        .from(events)
        .where(and(eq(events.id, id), tenantFilter(scope, events.tenantId)));
      if (!row) throw notFound('event');
      const rows = await db.select().from(deliveries).where(eq(deliveries.eventId, id)).orderBy(asc(deliveries.id));
      return { ...eventView(row), deliveries: rows.map(deliveryView) };
    },

    async events(scope: Scope, filter: { type?: string | undefined }, page: Page): Promise<EventView[]> {
      const before = cursor(page.before);
      const rows = await db
        .select()
        .from(events)
        .where(
          and(
            tenantFilter(scope, events.tenantId),
            filter.type ? eq(events.type, filter.type) : undefined,
            before ? lt(events.id, before) : undefined,
          ),
        )
        .orderBy(desc(events.id))
        .limit(page.limit);
      return rows.map(eventView);
    },

    async deliveries(
      scope: Scope,
      filter: { endpointId?: string | undefined; eventId?: string | undefined; status?: DeliveryStatus | undefined; eventType?: string | undefined },
      page: Page,
    ): Promise<DeliveryView[]> {
      if ((filter.endpointId && !isUuid(filter.endpointId)) || (filter.eventId && !isUuid(filter.eventId))) return [];
      const before = cursor(page.before);
      const rows = await db
        .select()
        .from(deliveries)
        .where(
          and(
            tenantFilter(scope, deliveries.tenantId),
            filter.endpointId ? eq(deliveries.endpointId, filter.endpointId) : undefined,
            filter.eventId ? eq(deliveries.eventId, filter.eventId) : undefined,
            filter.status ? eq(deliveries.status, filter.status) : undefined,
            filter.eventType
              ? inArray(deliveries.eventId, db.select({ id: events.id }).from(events).where(and(eq(events.type, filter.eventType), tenantFilter(scope, events.tenantId))))
              : undefined,
            before ? lt(deliveries.id, before) : undefined,
          ),
        )
        .orderBy(desc(deliveries.id))
        .limit(page.limit);
      return rows.map(deliveryView);
    },

    async delivery(scope: Scope, id: string): Promise<DeliveryView & { attempts: AttemptView[] }> {
      checkId(id, 'delivery');
      const [row] = await db
        .select()
        .from(deliveries)
        .where(and(eq(deliveries.id, id), tenantFilter(scope, deliveries.tenantId)));
      if (!row) throw notFound('delivery');
      const attempts = await db
        .select()
        .from(deliveryAttempts)
        .where(eq(deliveryAttempts.deliveryId, id))
        .orderBy(asc(deliveryAttempts.series), asc(deliveryAttempts.attemptNumber));
      return { ...deliveryView(row), attempts: attempts.map(attemptView) };
    },

    async deadLetters(
      scope: Scope,
      filter: { endpointId?: string | undefined; status?: DeadLetterStatus | undefined; since?: Date | undefined; until?: Date | undefined },
      page: Page,
    ): Promise<DeadLetterView[]> {
      if (filter.endpointId && !isUuid(filter.endpointId)) return [];
      const before = cursor(page.before);
      const rows = await db
        .select()
        .from(webhookFailures)
        .where(
          and(
            tenantFilter(scope, webhookFailures.tenantId),
            filter.endpointId ? eq(webhookFailures.endpointId, filter.endpointId) : undefined,
            filter.status ? eq(webhookFailures.status, filter.status) : undefined,
            filter.since ? gte(webhookFailures.failedAt, filter.since) : undefined,
            filter.until ? lte(webhookFailures.failedAt, filter.until) : undefined,
            before ? lt(webhookFailures.id, before) : undefined,
          ),
        )
        .orderBy(desc(webhookFailures.id))
        .limit(page.limit);
      return rows.map(deadLetterView);
    },

    async deadLetter(scope: Scope, id: string): Promise<DeadLetterView> {
      checkId(id, 'dead letter');
      const [row] = await db
        .select()
        .from(webhookFailures)
        .where(and(eq(webhookFailures.id, id), tenantFilter(scope, webhookFailures.tenantId)));
      if (!row) throw notFound('dead letter');
      return deadLetterView(row);
    },
  };
}

export type HistoryService = ReturnType<typeof historyService>;
