import { sql } from 'drizzle-orm';
import { bigserial, index, integer, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { endpoints } from './endpoints.ts';
import { tenants } from './tenants.ts';

export const breakerStateName = pgEnum('breaker_state', ['closed', 'open', 'half_open']);

/**
 * One circuit breaker per endpoint, shared by every worker. `version` makes every write a
 * compare-and-set (see src/breaker). A missing row means closed with no failures.
 */
export const circuitBreakerState = pgTable('circuit_breaker_state', {
  endpointId: uuid('endpoint_id')
    .primaryKey()
    .references(() => endpoints.id, { onDelete: 'cascade' }),
  tenantId: uuid('tenant_id')
    .notNull()
    .references(() => tenants.id),
  state: breakerStateName('state').notNull().default('closed'),
  failures: integer('failures').notNull().default(0),
  successes: integer('successes').notNull().default(0),
  openedAt: timestamp('opened_at', { withTimezone: true }),
  outageStartedAt: timestamp('outage_started_at', { withTimezone: true }),
  trialId: uuid('trial_id'),
  trialUntil: timestamp('trial_until', { withTimezone: true }),
  version: integer('version').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Every breaker transition, in order. */
export const circuitBreakerTransitions = pgTable(
  'circuit_breaker_transitions',
  {
    id: uuid('id').primaryKey().default(sql`uuid_v7()`),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    fromState: breakerStateName('from_state').notNull(),
    toState: breakerStateName('to_state').notNull(),
    reason: text('reason').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** Order of recording: transitions of one instant (open -> half_open -> open) keep their order. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
  },
  (t) => [index('circuit_breaker_transitions_endpoint_idx').on(t.endpointId, t.at)],
);

export type CircuitBreakerRow = typeof circuitBreakerState.$inferSelect;
export type CircuitBreakerTransition = typeof circuitBreakerTransitions.$inferSelect;
