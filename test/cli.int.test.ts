import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './helpers/database.ts';
import { freePort } from './helpers/edge-function.ts';
import { ADMIN_TOKEN, startTestGateway, testEnv, type TestGateway } from './helpers/gateway.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

const BIN = 'bin/webhook-gateway.mjs';
type Run = { code: number | null; stdout: string; stderr: string };

/** Runs the real bin as a child process; `env` replaces the connection variables. */
async function run(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Run> {
  const { GATEWAY_URL: _url, ADMIN_TOKEN: _token, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...inherited, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin ?? '');
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

let gateway: TestGateway;
let env: Record<string, string>;
const receiverFails = { now: true };
let healthy: Awaited<ReturnType<typeof startReceiver>>;
let flaky: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  gateway = await startTestGateway('cli', { RETRY_SCHEDULE: '100ms', BREAKER_ENABLED: 'false' });
  env = { GATEWAY_URL: gateway.url ?? '', ADMIN_TOKEN };
  healthy = await startReceiver();
  flaky = await startReceiver(() => ({ status: receiverFails.now ? 500 : 200 }));
});

afterAll(async () => {
  await gateway?.stop();
  await healthy?.close();
  await flaky?.close();
});

describe('webhook-gateway CLI', () => {
  it('prints help for itself and every command, and exits 2 without a command', async () => {
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    for (const name of ['start', 'api', 'worker', 'migrate', 'endpoints', 'publish', 'redeliver', 'dead-letters']) expect(main.stdout).toContain(`  ${name} `);
    const names = ['start', 'api', 'worker', 'migrate', 'endpoints', 'publish', 'redeliver', 'dead-letters'];
    const helps = await Promise.all(names.map((name) => run([name, '--help'])));
    for (const [i, name] of names.entries()) {
      expect(helps[i]?.code).toBe(0);
      expect(helps[i]?.stdout).toContain(`webhook-gateway ${name}`);
    }
    expect(helps[4]?.stdout).toContain('--url <url>');
    expect((await run(['help', 'publish'])).stdout).toBe(helps[5]?.stdout);
    const none = await run([]);
    expect(none.code).toBe(2);
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it('creates, lists, reads, rotates and deletes endpoints through the API', async () => {
    const created = await run(['endpoints', 'create', `${healthy.url}/hooks`, '--event-type', 'order.*', '--description', 'shop', '--header', 'x-team: billing'], env);
    expect(created.code).toBe(0);
    const id = /created endpoint (\S+)/.exec(created.stdout)?.[1] ?? '';
    expect(created.stdout).toMatch(/secret\s+whsec_\S+/);
    const stored = await gateway.api<{ url: string; eventTypes: string[]; headers: Record<string, string>; description: string }>(`/v1/endpoints/${id}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ url: `${healthy.url}/hooks`, eventTypes: ['order.*'], description: 'shop', headers: { 'x-team': 'billing' } });

    const list = await run(['endpoints', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^ID\s+URL\s+EVENT TYPES\s+ENABLED/);
    expect(list.stdout).toContain(`${id}  ${healthy.url}/hooks  order.*`);
    const json = await run(['endpoints', 'list', '--json'], env);
    expect((JSON.parse(json.stdout) as { data: { id: string }[] }).data.map((e) => e.id)).toContain(id);

    const got = await run(['endpoints', 'get', id], env);
    expect(JSON.parse(got.stdout)).toMatchObject({ id, url: `${healthy.url}/hooks` });

    const before = (await gateway.api<{ secret: string }>(`/v1/endpoints/${id}/secret`)).body.secret;
    const rotated = await run(['endpoints', 'rotate-secret', id, '--grace', '1h'], env);
    expect(rotated.code).toBe(0);
    const after = /new secret for \S+: (whsec_\S+)/.exec(rotated.stdout)?.[1];
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect((await gateway.api<{ secret: string }>(`/v1/endpoints/${id}/secret`)).body.secret).toBe(after);

    const breaker = await run(['endpoints', 'breaker', id], env);
    expect(breaker.stdout).toMatch(/^state\s+closed/);

    const disabled = await run(['endpoints', 'disable', id], env);
    expect(disabled.stdout).toBe(`disabled endpoint ${id}\n`);
    expect((await gateway.api<{ enabled: boolean }>(`/v1/endpoints/${id}`)).body.enabled).toBe(false);

    const deleted = await run(['endpoints', 'delete', id], env);
    expect(deleted.code).toBe(0);
    const gone = await run(['endpoints', 'get', id], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe("error: not_found (HTTP 404): endpoint not found\n");
  });

  it('publishes an event that reaches the receiver, once per idempotency key', async () => {
    const created = await run(['endpoints', 'create', `${healthy.url}/orders`, '--event-type', 'invoice.*', '--json'], env);
    const endpoint = JSON.parse(created.stdout) as { id: string; secret: string };
    expect(endpoint.secret).toMatch(/^whsec_/);

    const published = await run(['publish', 'invoice.paid', '{"invoice": 7, "total": 12.5}', '--idempotency-key', 'inv-7', '--correlation-id', 'corr-cli-1'], env);
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/^published event \S+ \(invoice\.paid\) to 1 endpoint; correlation id corr-cli-1\n$/);
    const request = await waitFor('the webhook', () => healthy.requests.find((r) => r.path === '/orders'));
    expect(JSON.parse(request.body)).toMatchObject({ type: 'invoice.paid', data: { invoice: 7, total: 12.5 } });
    expect(request.headers['x-correlation-id']).toBe('corr-cli-1');

    const again = await run(['publish', 'invoice.paid', '{"invoice": 7}', '--idempotency-key', 'inv-7'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already published as event');

    const fromStdin = await run(['publish', 'invoice.sent', '-', '--json'], env, '{"invoice": 8}');
    expect(fromStdin.code).toBe(0);
    const event = JSON.parse(fromStdin.stdout) as { id: string; type: string; deliveries: number };
    expect(event).toMatchObject({ type: 'invoice.sent', deliveries: 1 });
    const stored = await gateway.api<{ payload: unknown }>(`/v1/events/${event.id}`);
    expect(stored.body.payload).toEqual({ invoice: 8 });
  });

  it('reports API errors, bad input and an unreachable gateway with non-zero exit codes', async () => {
    const badJson = await run(['publish', 'order.created', '{not json'], env);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('the payload is not valid JSON');

    const badType = await run(['publish', 'Not A Type!', '{}'], env);
    expect(badType.code).toBe(1);
    expect(badType.stderr).toMatch(/^error: invalid_event_type \(HTTP 400\): /);

    const badToken = await run(['endpoints', 'list', '--token', 'wrong-token-0123456789'], env);
    expect(badToken.code).toBe(1);
    expect(badToken.stderr).toMatch(/^error: unauthorized \(HTTP 401\)/);

    const badOption = await run(['endpoints', 'list', '--colour'], env);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--colour'");

    const closed = await freePort();
    const unreachable = await run(['endpoints', 'list', '--url', `http://127.0.0.1:${closed}`], env);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(`error: unreachable: cannot reach the gateway at http://127.0.0.1:${closed}: connect ECONNREFUSED 127.0.0.1:${closed}\n`);

    const unfiltered = await run(['redeliver', '--dead-letters'], env);
    expect(unfiltered.code).toBe(2);
    expect(unfiltered.stderr).toContain('--dead-letters needs --endpoint');
  });

  it('lists dead letters and redelivers them in bulk by endpoint, and one delivery by id', async () => {
    receiverFails.now = true;
    const created = JSON.parse((await run(['endpoints', 'create', `${flaky.url}/crm`, '--event-type', 'customer.*', '--json'], env)).stdout) as { id: string };
    const published = JSON.parse((await run(['publish', 'customer.updated', '{"customer": 3}', '--json'], env)).stdout) as { id: string };
    const dead = await waitFor('the dead letter', async () => {
      const page = await gateway.api<{ data: { id: string; deliveryId: string }[] }>(`/v1/dead-letters?endpointId=${created.id}`);
      return page.body.data[0];
    });
    expect(flaky.requests.length).toBe(2);

    const listed = await run(['dead-letters', '--endpoint', created.id], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${dead.id}\\s+${dead.deliveryId}\\s+${created.id}\\s+customer\\.updated\\s+2\\s+500`));

    receiverFails.now = false;
    const bulk = await run(['redeliver', '--dead-letters', '--endpoint', created.id], env);
    expect(bulk.code).toBe(0);
    expect(bulk.stdout).toBe('redelivering 1 dead letter\n');
    await waitFor('the redelivery to succeed', async () => (await gateway.api<{ status: string }>(`/v1/deliveries/${dead.deliveryId}`)).body.status === 'succeeded');
    expect(flaky.requests.length).toBe(3);
    expect(flaky.requests[2]?.headers['webhook-id']).toBe(flaky.requests[0]?.headers['webhook-id']);

    const nothingLeft = await run(['redeliver', '--dead-letters', '--endpoint', created.id], env);
    expect(nothingLeft.stdout).toBe('redelivering 0 dead letters\n');

    const one = await run(['redeliver', dead.deliveryId], env);
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(`redelivering ${dead.deliveryId} (attempt series 3)\n`);
    await waitFor('the single redelivery', () => flaky.requests.length === 4);
    const event = await gateway.api<{ id: string }>(`/v1/events/${published.id}`);
    expect(event.status).toBe(200);
  });

  it('runs the gateway roles: migrate, and start until SIGTERM; a bad configuration exits 1', async () => {
    const database = await createTestDatabase('cli_roles');
    try {
      const roleEnv = testEnv(database.url, { LOG_LEVEL: 'info' });
      const migrated = await run(['migrate'], roleEnv);
      expect(migrated.code).toBe(0);
      expect(migrated.stdout).toContain('migrations applied');

      const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, ...roleEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const url = await waitFor('the gateway to start', () => /"url":"(http:[^"]+)"/.exec(output)?.[1], 30_000, 50);
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      expect(output).toContain('shutting down');

      const broken = await run(['start'], { ...roleEnv, PORT: 'not-a-port' });
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain('invalid configuration');
      expect(broken.stderr).toContain('PORT');
    } finally {
      await database.drop();
    }
  });
});
