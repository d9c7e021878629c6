import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { Agent, request } from 'undici';
import { loadConfig } from '../src/config.js';
import { createDatabase, migrateDatabase, DEFAULT_TENANT_ID } from '../src/db/index.js';
import { startGateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { publishEvent } from '../src/publisher/index.js';

const N = 3000, C = 64;
const name = `wh_bench_diag_${randomBytes(4).toString('hex')}`;
const url = `postgres://postgres@127.0.0.1:5432/${name}`;
const pct = (a: number[], q: number) => { const s = [...a].sort((x, y) => x - y); return s[Math.ceil(q * s.length) - 1] ?? NaN; };
async function run(label: string, fn: (i: number) => Promise<void>) {
  const lat: number[] = []; let next = 0; const t0 = performance.now(); const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: C }, async () => { while (next < N) { const i = next++; const s = performance.now(); await fn(i); lat.push(performance.now() - s); } }));
  const ms = performance.now() - t0; const cpu = process.cpuUsage(cpu0);
  console.log(`${label.padEnd(40)} ${(N / (ms / 1000)).toFixed(0)}/s p50=${pct(lat, 0.5).toFixed(1)} p99=${pct(lat, 0.99).toFixed(1)} cpu=${(((cpu.user + cpu.system) / 1000 / ms) * 100).toFixed(0)}%`);
}
await migrateDatabase(url);
const payload = { note: 'x'.repeat(250), n: 1 };
try {
  const db = createDatabase({ url, max: 20 });
  await db.sql`insert into endpoints ${db.sql({ tenant_id: DEFAULT_TENANT_ID, url: 'http://127.0.0.1:9/x', event_types: ['bench.*'] } as Record<string, unknown>)}`.catch((e: unknown) => console.log('endpoint insert failed (ok):', String(e)));
  await run('publishEvent direct (pool 20)', async () => { await publishEvent(db.db, { tenantId: DEFAULT_TENANT_ID, type: 'bench.created', payload }, { notify: false }); });
  await run('select 1 (pool 20)', async () => { await db.sql`select 1`; });
  await db.close();
  for (const role of ['api'] as const) {
    const prefix = `benchdiag${randomBytes(4).toString('hex')}`;
    const config = loadConfig({ DATABASE_URL: url, QUEUE_PREFIX: prefix, PORT: '0', HOST: '127.0.0.1', ADMIN_TOKEN: 'x'.repeat(20), LOG_LEVEL: 'silent' });
    const gw = await startGateway({ config, role, logger: createLogger('silent') });
    const agent = new Agent({ connections: 256 });
    await run(`HTTP publish role=${role}`, async () => {
      const r = await request(`${gw.url}/v1/events`, { method: 'POST', dispatcher: agent, headers: { authorization: `Bearer ${'x'.repeat(20)}`, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'bench.created', payload }) });
      await r.body.text(); if (r.statusCode !== 202) throw new Error(String(r.statusCode));
    });
    await run(`HTTP GET /healthz role=${role}`, async () => { const r = await request(`${gw.url}/healthz`, { dispatcher: agent }); await r.body.text(); });
    await agent.close(); await gw.close();
    const { Redis } = await import('ioredis'); const r = new Redis(); let c = '0'; do { const [n, k] = await r.scan(c, 'MATCH', `${prefix}:*`, 'COUNT', 1000); c = n; if (k.length) await r.del(...k); } while (c !== '0'); r.disconnect();
  }
} finally {
  const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1 }); await admin.unsafe(`drop database if exists "${name}" with (force)`); await admin.end();
}
