import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import ws from 'ws';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manualClock } from '../clock.ts';
import { createSupabaseIdempotencyStore, type IdempotencyStore } from './index.ts';

/** One request as the stand-in PostgREST saw it. */
type Call = { method: string; path: string; query: Record<string, string>; prefer: string[]; apikey: string | undefined; body: unknown };
type Row = Record<string, string | null>;

const KEY = 'service-role-key-for-tests';
const TABLE_PATH = '/rest/v1/processed_webhooks';

/**
 * A stand-in for PostgREST serving `processed_webhooks` from memory. It implements only the calls
 * the store makes (insert/upsert with on_conflict, PATCH/GET/DELETE with eq./lt. filters), answers
 * in PostgREST's shapes, and records every call so tests can assert it.
 */
async function startFakePostgrest() {
  const rows = new Map<string, Row>();
  const calls: Call[] = [];
  let failNext: { status: number; message: string } | undefined;
  const hooks: { beforeGet?: () => void } = {};

  const matches = (row: Row, query: Record<string, string>): boolean =>
    Object.entries(query).every(([column, filter]) => {
      if (['select', 'on_conflict', 'columns'].includes(column)) return true;
      const value = row[column] ?? null;
      if (filter.startsWith('eq.')) return value === filter.slice(3);
      if (filter.startsWith('lt.')) return value !== null && Date.parse(value) < Date.parse(filter.slice(3));
      throw new Error(`unsupported filter ${column}=${filter}`);
    });
  const project = (row: Row, select: string | undefined): Row =>
    select === undefined || select === '*' ? row : Object.fromEntries(select.split(',').map((c) => [c, row[c] ?? null]));

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const query = Object.fromEntries(url.searchParams);
      const preferHeader = req.headers.prefer ?? '';
      const prefer = (Array.isArray(preferHeader) ? preferHeader.join(',') : preferHeader)
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '');
      const body: unknown = raw === '' ? undefined : JSON.parse(raw);
      const apikey = typeof req.headers.apikey === 'string' ? req.headers.apikey : undefined;
      calls.push({ method: req.method ?? '', path: url.pathname, query, prefer, apikey, body });
      const reply = (status: number, payload?: unknown) => {
        res.writeHead(status, payload === undefined ? {} : { 'content-type': 'application/json' });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      if (failNext !== undefined) {
        const { status, message } = failNext;
        failNext = undefined;
        return reply(status, { code: 'XX000', message, details: null, hint: null });
      }
      if (url.pathname !== TABLE_PATH) return reply(404, { code: 'PGRST205', message: 'no such table', details: null, hint: null });
      const representation = prefer.includes('return=representation');
      const selected = (list: Row[]) => list.map((row) => project(row, query.select));

      switch (req.method) {
        case 'POST': {
          const incoming = body as Row;
          const id = incoming.webhook_id ?? '';
          const existing = rows.get(id);
          let written: Row[] = [];
          if (existing === undefined) {
            written = [{ status: null, claim_token: null, received_at: new Date().toISOString(), processed_at: null, locked_until: null, webhook_timestamp: null, event_type: null, ...incoming }];
            rows.set(id, written[0] as Row);
          } else if (prefer.includes('resolution=merge-duplicates')) {
            written = [Object.assign(existing, incoming)];
          } else if (!prefer.includes('resolution=ignore-duplicates')) {
            return reply(409, { code: '23505', message: 'duplicate key value violates unique constraint', details: null, hint: null });
          }
          return representation ? reply(201, selected(written)) : reply(201);
        }
        case 'PATCH': {
          const updated = [...rows.values()].filter((row) => matches(row, query)).map((row) => Object.assign(row, body as Row));
          return representation ? reply(200, selected(updated)) : reply(204);
        }
        case 'GET':
          hooks.beforeGet?.();
          return reply(200, selected([...rows.values()].filter((row) => matches(row, query))));
        case 'DELETE': {
          const doomed = [...rows.entries()].filter(([, row]) => matches(row, query));
          for (const [id] of doomed) rows.delete(id);
          return representation ? reply(200, selected(doomed.map(([, row]) => row))) : reply(204);
        }
        default:
          return reply(405);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    rows,
    calls,
    hooks,
    failNext(status: number, message: string) {
      failNext = { status, message };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * `ws` as supabase-js's realtime transport. The `ws` typings (overloaded constructor, its own Event
 * type) do not match realtime-js's WebSocket-like interface although the class works at runtime.
 */
type RealtimeTransport = NonNullable<NonNullable<SupabaseClientOptions<'public'>['realtime']>['transport']>;
const transport = ws as unknown as RealtimeTransport;

let postgrest: Awaited<ReturnType<typeof startFakePostgrest>>;
const clock = manualClock(Date.parse('2030-01-01T00:00:00.000Z'));
const iso = (ms: number) => new Date(ms).toISOString();

function newStore(leaseMs?: number): IdempotencyStore {
  const client = createClient(postgrest.url, KEY, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport },
  });
  return createSupabaseIdempotencyStore({ client, clock, ...(leaseMs === undefined ? {} : { leaseMs }) });
}

beforeAll(async () => {
  postgrest = await startFakePostgrest();
});
afterAll(async () => {
  await postgrest?.close();
});
beforeEach(() => {
  postgrest.calls.length = 0;
});

describe('Supabase idempotency store: the PostgREST calls', () => {
  it('claim of a new id is one insert-if-absent returning the row', async () => {
    const store = newStore();
    expect(await store.claim('sb_1', { timestamp: 1_700_000_000, eventType: 'invoice.paid' })).toBe('claimed');
    expect(postgrest.calls).toHaveLength(1);
    const [insert] = postgrest.calls;
    expect(insert).toMatchObject({
      method: 'POST',
      path: TABLE_PATH,
      query: { on_conflict: 'webhook_id', select: 'webhook_id' },
      apikey: KEY,
    });
    expect(insert?.prefer.sort()).toEqual(['resolution=ignore-duplicates', 'return=representation']);
    expect(insert?.body).toEqual({
      webhook_id: 'sb_1',
      status: 'processing',
      claim_token: expect.stringMatching(/^[0-9a-f-]{36}$/),
      locked_until: iso(clock.now() + 60_000),
      webhook_timestamp: '2023-11-14T22:13:20.000Z',
      event_type: 'invoice.paid',
    });
  });

  it('claim of a held id: insert ignored, conditional takeover matches nothing, status read', async () => {
    expect(await newStore().claim('sb_held')).toBe('claimed');
    postgrest.calls.length = 0;
    expect(await newStore().claim('sb_held')).toBe('in_progress');
    expect(postgrest.calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'GET']);
    const [, takeover, read] = postgrest.calls;
    expect(takeover).toMatchObject({
      path: TABLE_PATH,
      query: { webhook_id: 'eq.sb_held', status: 'eq.processing', locked_until: `lt.${iso(clock.now())}`, select: 'webhook_id' },
      prefer: ['return=representation'],
      body: { claim_token: expect.stringMatching(/^[0-9a-f-]{36}$/), locked_until: iso(clock.now() + 60_000) },
    });
    expect(read).toMatchObject({ path: TABLE_PATH, query: { select: 'status', webhook_id: 'eq.sb_held' }, body: undefined });
  });

  it('complete is one merge upsert to processed', async () => {
    const store = newStore();
    expect(await store.claim('sb_2')).toBe('claimed');
    postgrest.calls.length = 0;
    await store.complete('sb_2');
    expect(postgrest.calls).toHaveLength(1);
    const [upsert] = postgrest.calls;
    expect(upsert).toMatchObject({ method: 'POST', path: TABLE_PATH, query: { on_conflict: 'webhook_id' } });
    expect(upsert?.query).not.toHaveProperty('select');
    expect(upsert?.prefer).toEqual(['resolution=merge-duplicates']);
    expect(upsert?.body).toEqual({ webhook_id: 'sb_2', status: 'processed', processed_at: iso(clock.now()), locked_until: null, claim_token: null });
    expect(postgrest.rows.get('sb_2')).toMatchObject({ status: 'processed', claim_token: null, locked_until: null });
    expect(await newStore().claim('sb_2')).toBe('duplicate');
  });

  it('release is one delete filtered on the id, processing and this claim token', async () => {
    const store = newStore();
    expect(await store.claim('sb_3')).toBe('claimed');
    const token = postgrest.rows.get('sb_3')?.claim_token;
    postgrest.calls.length = 0;
    await store.release('sb_3');
    expect(postgrest.calls).toEqual([
      {
        method: 'DELETE',
        path: TABLE_PATH,
        query: { webhook_id: 'eq.sb_3', status: 'eq.processing', claim_token: `eq.${token}` },
        prefer: [],
        apikey: KEY,
        body: undefined,
      },
    ]);
    expect(postgrest.rows.has('sb_3')).toBe(false);
  });

  it('a store that holds no claim on the id sends nothing on release', async () => {
    expect(await newStore().claim('sb_other')).toBe('claimed');
    postgrest.calls.length = 0;
    await newStore().release('sb_other');
    expect(postgrest.calls).toHaveLength(0);
    expect(postgrest.rows.get('sb_other')).toMatchObject({ status: 'processing' });
  });
});

describe('Supabase idempotency store: behaviour', () => {
  it('release then reclaim processes the retry', async () => {
    const [a, b] = [newStore(), newStore()];
    expect(await a.claim('sb_4')).toBe('claimed');
    expect(await b.claim('sb_4')).toBe('in_progress');
    await a.release('sb_4');
    expect(await b.claim('sb_4')).toBe('claimed');
    await b.complete('sb_4');
    expect(await a.claim('sb_4')).toBe('duplicate');
  });

  it('an expired lease is taken over, and the crashed holder cannot release the new claim', async () => {
    const [crashed, retry] = [newStore(1000), newStore(1000)];
    expect(await crashed.claim('sb_5')).toBe('claimed');
    const first = postgrest.rows.get('sb_5')?.claim_token;
    clock.advance(1000);
    expect(await retry.claim('sb_5')).toBe('in_progress');
    clock.advance(1);
    expect(await retry.claim('sb_5')).toBe('claimed');
    const second = postgrest.rows.get('sb_5')?.claim_token;
    expect(second).not.toBe(first);
    expect(postgrest.rows.get('sb_5')?.locked_until).toBe(iso(clock.now() + 1000));
    await crashed.release('sb_5');
    expect(postgrest.rows.get('sb_5')).toMatchObject({ status: 'processing', claim_token: second });
  });

  it('a store never takes over a claim it still holds', async () => {
    const store = newStore(1000);
    expect(await store.claim('sb_6')).toBe('claimed');
    clock.advance(5000);
    postgrest.calls.length = 0;
    expect(await store.claim('sb_6')).toBe('in_progress');
    expect(postgrest.calls).toHaveLength(0);
  });

  it('a claim that finds the row gone between calls starts over', async () => {
    const [a, b] = [newStore(), newStore()];
    expect(await a.claim('sb_7')).toBe('claimed');
    const first = postgrest.rows.get('sb_7')?.claim_token;
    // The holder releases between b's PATCH and its status read.
    postgrest.hooks.beforeGet = () => {
      postgrest.rows.delete('sb_7');
      delete postgrest.hooks.beforeGet;
    };
    postgrest.calls.length = 0;
    expect(await b.claim('sb_7')).toBe('claimed');
    expect(postgrest.calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'GET', 'POST']);
    expect(postgrest.rows.get('sb_7')?.claim_token).not.toBe(first);
  });

  it('PostgREST errors surface as rejections with the PostgREST error as cause', async () => {
    postgrest.failNext(500, 'permission denied for table processed_webhooks');
    const rejection = await newStore().claim('sb_8').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(rejection).toBeInstanceOf(Error);
    expect((rejection as Error).message).toMatch(/processed_webhooks claim failed: permission denied/);
    expect((rejection as Error).cause).toMatchObject({ code: 'XX000' });
    postgrest.failNext(500, 'boom');
    await expect(newStore().complete('sb_8')).rejects.toThrow(/complete failed: boom/);
  });
});
