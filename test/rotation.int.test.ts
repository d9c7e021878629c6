import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointView } from '../src/publisher/index.ts';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startReceiver, type ReceivedRequest } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startTestGateway('rotation');
});
afterAll(async () => {
  await gw?.stop();
});

const headersOf = (request: ReceivedRequest): Record<string, string> =>
  Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
const verifies = (secret: string, request: ReceivedRequest): boolean => {
  try {
    new Webhook(secret).verify(request.body, headersOf(request));
    return true;
  } catch {
    return false;
  }
};

describe('secret rotation', () => {
  it('signs with both secrets during the grace period, then only with the new one', async () => {
    const receiver = await startReceiver();
    const created = await gw.api<EndpointView & { secret: string }>('/v1/endpoints', { body: { url: receiver.url, eventTypes: ['rot.*'] } });
    const oldSecret = created.body.secret;
    // Sealed at rest: the column holds AES-256-GCM ciphertext, never the secret.
    const stored = await gw.database.sql<{ secret: string }[]>`select secret from endpoint_secrets where endpoint_id = ${created.body.id}`;
    expect(stored[0]?.secret).toMatch(/^enc:v1:/);
    expect(stored[0]?.secret).not.toContain(oldSecret.slice(6));
    const rotated = await gw.api<{ secret: string; previousExpiresAt: string }>(`/v1/endpoints/${created.body.id}/secret/rotate`, {
      body: { graceSeconds: 2 },
    });
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret;

    await gw.api('/v1/events', { body: { type: 'rot.during', payload: {} } });
    await waitFor('delivery during grace', () => receiver.requests.length === 1);
    const during = receiver.requests[0]!;
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(String(during.headers['x-webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(oldSecret, during)).toBe(true);
    expect(verifies(newSecret, during)).toBe(true);

    await waitFor('grace period over', () => Date.now() > Date.parse(rotated.body.previousExpiresAt) + 100, 5_000);
    await gw.api('/v1/events', { body: { type: 'rot.after', payload: {} } });
    await waitFor('delivery after grace', () => receiver.requests.length === 2);
    const after = receiver.requests[1]!;
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(newSecret, after)).toBe(true);
    expect(verifies(oldSecret, after)).toBe(false);
    await receiver.close();
  });

  it('refuses a grace period longer than 7 days', async () => {
    const created = await gw.api<EndpointView>('/v1/endpoints', { body: { url: 'http://127.0.0.1:9/x' } });
    const response = await gw.api<{ error: { code: string } }>(`/v1/endpoints/${created.body.id}/secret/rotate`, {
      body: { graceSeconds: 8 * 86_400 },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_grace_period');
  });
});
