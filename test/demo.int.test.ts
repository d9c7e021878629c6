import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { REDIS_URL } from './helpers/gateway.ts';

const BASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('npm run demo', () => {
  it('tells the whole story in a short run, exits 0 and drops its database', async () => {
    const database = `webhooks_demo_t${randomBytes(4).toString('hex')}`;
    const child = spawn('npm', ['run', '--silent', 'demo', '--', '--duration', '8s', '--database', database, '--plain'], {
      env: { ...process.env, DATABASE_URL: BASE_URL, REDIS_URL, RETRY_SCHEDULE: '200ms,300ms,400ms', BREAKER_OPEN_FOR: '1s', BREAKER_FAILURES: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, `${stdout}\n${stderr}`).toBe(0);

    for (const section of ['RECEIVERS', 'ENDPOINTS', 'ACTIVITY', 'NOW', 'SUMMARY after']) expect(stdout).toContain(section);
    expect(stdout).toContain('crm receiver goes DOWN');
    expect(stdout).toMatch(/crm\s+breaker OPENS after consecutive failures/);
    expect(stdout).toMatch(/crm\s+#\d+\s+\S+\s+dead-lettered after 4 attempts/);
    expect(stdout).toContain('crm receiver is back UP');
    expect(stdout).toMatch(/crm\s+breaker CLOSES/);
    const redelivered = Number(/bulk redelivery: (\d+) dead letters sent again/.exec(stdout)?.[1]);
    expect(redelivered).toBeGreaterThan(0);
    expect(stdout).toMatch(/crm\s+#\d+\s+\S+\s+delivered by redelivery/);
    expect(stdout).toMatch(/published \d+ events -> \d+ deliveries/);
    expect(stdout).toMatch(/receivers verified \d+ signatures \(0 bad\)/);
    expect(stdout).not.toContain('\x1b[');

    const admin = postgres(BASE_URL, { max: 1, onnotice: () => {} });
    try {
      const rows = await admin`select 1 from pg_database where datname = ${database}`;
      expect(rows.length).toBe(0);
    } finally {
      await admin.end({ timeout: 1 });
    }
  }, 40_000);
});
