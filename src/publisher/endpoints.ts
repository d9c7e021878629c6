import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import { endpoints, endpointSecrets, type Db, type Endpoint } from '../db/index.ts';
import { invalid, notFound } from '../errors.ts';
import { tenantFilter, type Scope } from '../scope.ts';
import { generateSecret } from '../signature/index.ts';
import { validateCustomHeaders, validateEndpointUrl, validateEventTypes } from './endpoint-input.ts';
import { isUuid } from './ids.ts';
import type { SecretBox } from '../secrets/index.ts';
import type { TargetGuard } from './target-guard.ts';

/** Per-endpoint breaker thresholds; null (or absent) means the gateway default. */
export type BreakerOverrides = { failures?: number | null; openForMs?: number | null; successes?: number | null };

export type EndpointInput = {
  url: string;
  eventTypes?: string[] | undefined;
  description?: string | undefined;
  headers?: Record<string, string> | undefined;
  breaker?: BreakerOverrides | undefined;
};

export type EndpointPatch = Partial<EndpointInput> & { enabled?: boolean | undefined };

/** The public view of an endpoint (never includes secrets). */
export type EndpointView = {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  headers: Record<string, string>;
  enabled: boolean;
  disabledReason: string | null;
  breaker: { failures: number | null; openForMs: number | null; successes: number | null };
  createdAt: string;
  updatedAt: string;
};

export const DEFAULT_ROTATION_GRACE_MS = 24 * 3_600_000;
export const MAX_ROTATION_GRACE_MS = 7 * 24 * 3_600_000;

/** Maps a row to its public view. */
export function endpointView(row: Endpoint): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    headers: row.headers,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    breaker: { failures: row.breakerFailures, openForMs: row.breakerOpenForMs, successes: row.breakerSuccesses },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * Endpoint registration and management, always within the caller's tenant scope.
 * @example const { endpoint, secret } = await endpointService({ db, clock, secretBox }).create(scope, { url, eventTypes: ['order.*'] });
 */
export function endpointService({ db, clock, guard, secretBox }: { db: Db; clock: Clock; guard?: TargetGuard; secretBox: SecretBox }) {
  /** The URL, normalised, if it is an http(s) URL the target guard allows. */
  function checkedUrl(url: string): string {
    const normalised = validateEndpointUrl(url);
    const refused = guard?.checkUrl(normalised);
    if (refused) throw invalid('target_not_allowed', refused);
    return normalised;
  }

  async function find(scope: Scope, id: string): Promise<Endpoint> {
    if (!isUuid(id)) throw notFound('endpoint');
    const [row] = await db
      .select()
      .from(endpoints)
      .where(and(eq(endpoints.id, id), tenantFilter(scope, endpoints.tenantId)));
    if (!row) throw notFound('endpoint');
    return row;
  }

  return {
    find,

    /** Registers an endpoint and its first signing secret, which is returned once. */
    async create(scope: Scope, input: EndpointInput): Promise<{ endpoint: EndpointView; secret: string }> {
      const values = {
        tenantId: scope.tenantId,
        url: checkedUrl(input.url),
        eventTypes: validateEventTypes(input.eventTypes ?? []),
        description: input.description ?? '',
        headers: validateCustomHeaders(input.headers ?? {}),
        ...breakerColumns(input.breaker),
      };
      const secret = generateSecret();
      const row = await db.transaction(async (tx) => {
        const [created] = await tx.insert(endpoints).values(values).returning();
        if (!created) throw new Error('endpoint insert returned nothing');
        await tx.insert(endpointSecrets).values({ tenantId: scope.tenantId, endpointId: created.id, secret: secretBox.seal(secret) });
        return created;
      });
      return { endpoint: endpointView(row), secret };
    },

    /** Lists endpoints oldest first, `limit` at a time after the cursor `after` (an endpoint id). */
    async list(scope: Scope, page: { limit: number; after?: string | undefined }): Promise<EndpointView[]> {
      if (page.after !== undefined && !isUuid(page.after)) throw invalid('invalid_cursor', 'after must be an endpoint id');
      const rows = await db
        .select()
        .from(endpoints)
        .where(and(tenantFilter(scope, endpoints.tenantId), page.after ? gt(endpoints.id, page.after) : undefined))
        .orderBy(asc(endpoints.id))
        .limit(page.limit);
      return rows.map(endpointView);
    },

    async get(scope: Scope, id: string): Promise<EndpointView> {
      return endpointView(await find(scope, id));
    },

    /** Changes the given fields; re-enabling clears the disabled reason. */
    async update(scope: Scope, id: string, patch: EndpointPatch): Promise<EndpointView> {
      const current = await find(scope, id);
      const changes: Partial<typeof endpoints.$inferInsert> = { updatedAt: new Date(clock.now()) };
      if (patch.url !== undefined) changes.url = checkedUrl(patch.url);
      if (patch.eventTypes !== undefined) changes.eventTypes = validateEventTypes(patch.eventTypes);
      if (patch.description !== undefined) changes.description = patch.description;
      if (patch.headers !== undefined) changes.headers = validateCustomHeaders(patch.headers);
      if (patch.breaker !== undefined) Object.assign(changes, breakerColumns(patch.breaker));
      if (patch.enabled !== undefined && patch.enabled !== current.enabled) {
        changes.enabled = patch.enabled;
        changes.disabledReason = patch.enabled ? null : 'disabled by its owner';
        changes.disabledAt = patch.enabled ? null : new Date(clock.now());
      }
      const [row] = await db.update(endpoints).set(changes).where(eq(endpoints.id, current.id)).returning();
      if (!row) throw notFound('endpoint');
      return endpointView(row);
    },

    /** Deletes an endpoint with its deliveries, attempts and dead letters. */
    async remove(scope: Scope, id: string): Promise<void> {
      const current = await find(scope, id);
      await db.delete(endpoints).where(eq(endpoints.id, current.id));
    },

    /** The current signing secret (the newest one without an expiry). */
    async currentSecret(scope: Scope, id: string): Promise<string> {
      const current = await find(scope, id);
      const [row] = await db
        .select({ secret: endpointSecrets.secret })
        .from(endpointSecrets)
        .where(and(eq(endpointSecrets.endpointId, current.id), isNull(endpointSecrets.expiresAt)))
        .orderBy(desc(endpointSecrets.createdAt))
        .limit(1);
      if (!row) throw notFound('secret');
      return secretBox.open(row.secret);
    },

    /**
     * Issues a new secret; the secrets active until now keep signing (a second `v1,` signature) for
     * `graceMs`, then expire. Returns the new secret, shown once.
     */
    async rotateSecret(scope: Scope, id: string, graceMs = DEFAULT_ROTATION_GRACE_MS): Promise<{ secret: string; previousExpiresAt: string }> {
      if (graceMs < 0 || graceMs > MAX_ROTATION_GRACE_MS)
        throw invalid('invalid_grace_period', `grace period must be between 0 and ${MAX_ROTATION_GRACE_MS / 1000} seconds`);
      const current = await find(scope, id);
      const secret = generateSecret();
      const expiresAt = new Date(clock.now() + graceMs);
      await db.transaction(async (tx) => {
        await tx
          .update(endpointSecrets)
          .set({ expiresAt: sql`least(coalesce(${endpointSecrets.expiresAt}, 'infinity'), ${expiresAt.toISOString()}::timestamptz)` })
          .where(eq(endpointSecrets.endpointId, current.id));
        await tx.insert(endpointSecrets).values({ tenantId: current.tenantId, endpointId: current.id, secret: secretBox.seal(secret) });
      });
      return { secret, previousExpiresAt: expiresAt.toISOString() };
    },
  };
}

export type EndpointService = ReturnType<typeof endpointService>;

function breakerColumns(overrides: BreakerOverrides | undefined): Partial<typeof endpoints.$inferInsert> {
  if (!overrides) return {};
  const columns: Partial<typeof endpoints.$inferInsert> = {};
  if (overrides.failures !== undefined) columns.breakerFailures = overrides.failures;
  if (overrides.openForMs !== undefined) columns.breakerOpenForMs = overrides.openForMs;
  if (overrides.successes !== undefined) columns.breakerSuccesses = overrides.successes;
  return columns;
}
