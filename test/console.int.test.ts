import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/index.ts';
import { manualClock, systemClock } from '../src/clock.ts';
import { createLogger } from '../src/logger.ts';
import { createPublisher, type DeadLetterView, type EndpointView } from '../src/publisher/index.ts';
import { createSecretBox } from '../src/secrets/index.ts';
import { csrfOf, formBody, loginToConsole, type ConsoleSession } from './helpers/console-session.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

type List<T> = { data: T[] };
let gw: TestGateway;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let accept = false;
let console_: ConsoleSession;

beforeAll(async () => {
  // 400 is a permanent failure: dead-lettered after one attempt, and it does not trip the breaker.
  receiver = await startReceiver(() => (accept ? { status: 200 } : { status: 400, body: '<img src=x onerror=alert(1)> rejected' }));
  gw = await startTestGateway('console');
  console_ = await loginToConsole(gw.url!, ADMIN_TOKEN);
});
afterAll(async () => {
  await gw?.stop();
  await receiver?.close();
});

/** An endpoint on the receiver and `count` events it dead-letters (the receiver answers 400 until `accept`). */
async function deadLetters(count: number, description = 'orders'): Promise<{ endpoint: EndpointView; letters: DeadLetterView[] }> {
  const endpoint = (await gw.api<EndpointView>('/v1/endpoints', { body: { url: `${receiver.url}/hook`, description, eventTypes: ['order.*'] } })).body;
  for (let i = 0; i < count; i++) await gw.api('/v1/events', { body: { type: 'order.created', payload: { n: i } } });
  const letters = await waitFor('dead letters', async () => {
    const list = (await gw.api<List<DeadLetterView>>(`/v1/dead-letters?endpointId=${endpoint.id}`)).body.data;
    return list.length === count ? list : undefined;
  });
  // Later publishes must not reach this endpoint.
  await gw.api(`/v1/endpoints/${endpoint.id}`, { method: 'PATCH', body: { eventTypes: ['retired.only'] } });
  return { endpoint, letters };
}

describe('without a session', () => {
  it('redirects pages to the login form, remembering the page', async () => {
    for (const [path, next] of [
      ['/admin', '/admin'],
      ['/admin/dead-letters?endpointId=x', '/admin/dead-letters?endpointId=x'],
      ['/admin/deliveries/0190', '/admin/deliveries/0190'],
    ] as const) {
      const response = await fetch(`${gw.url}${path}`, { redirect: 'manual', headers: { cookie: 'whgw_console=forged' } });
      expect(response.status, path).toBe(303);
      expect(response.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent(next)}`);
    }
  });

  it('refuses a POST with 403 and changes nothing', async () => {
    const { letters } = await deadLetters(1, 'no session');
    const response = await fetch(`${gw.url}/admin/dead-letters/${letters[0]!.id}/dismiss`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: gw.url!, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ _csrf: console_.csrf }),
    });
    expect(response.status).toBe(403);
    expect((await gw.api<DeadLetterView>(`/v1/dead-letters/${letters[0]!.id}`)).body.status).toBe('open');
  });
});

describe('login', () => {
  async function loginForm(): Promise<{ cookie: string; csrf: string }> {
    const response = await fetch(`${gw.url}/admin/login`);
    return { cookie: response.headers.getSetCookie()[0]!.split(';')[0]!, csrf: csrfOf(await response.text()) };
  }
  const submit = (form: { cookie?: string; csrf?: string }, fields: Record<string, string>, origin = gw.url!) =>
    fetch(`${gw.url}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { ...(form.cookie ? { cookie: form.cookie } : {}), origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ ...(form.csrf ? { _csrf: form.csrf } : {}), ...fields }),
    });
  const sessionCookie = (response: Response) => response.headers.getSetCookie().find((cookie) => cookie.startsWith('whgw_console='));

  it('refuses a wrong token with 401 and no session', async () => {
    const response = await submit(await loginForm(), { token: 'not-the-admin-token-at-all' });
    expect(response.status).toBe(401);
    expect(sessionCookie(response)).toBeUndefined();
    expect(await response.text()).not.toContain('not-the-admin-token-at-all');
  });

  it('refuses a login form without its token, or sent from another site', async () => {
    const form = await loginForm();
    expect((await submit({ csrf: form.csrf }, { token: ADMIN_TOKEN })).status).toBe(403);
    expect((await submit({ cookie: form.cookie }, { token: ADMIN_TOKEN })).status).toBe(403);
    expect((await submit({ cookie: form.cookie, csrf: 'x'.repeat(form.csrf.length) }, { token: ADMIN_TOKEN })).status).toBe(403);
    const crossSite = await submit(form, { token: ADMIN_TOKEN }, 'http://attacker.example');
    expect(crossSite.status).toBe(403);
    expect(sessionCookie(crossSite)).toBeUndefined();
  });

  it('sets an HttpOnly, SameSite=Strict session cookie (Secure behind HTTPS) and only redirects within the console', async () => {
    const plain = await submit(await loginForm(), { token: ADMIN_TOKEN, next: '//attacker.example/x' });
    expect(plain.status).toBe(303);
    expect(plain.headers.get('location')).toBe('/admin');
    const cookie = sessionCookie(plain)!;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\/admin/);
    expect(cookie).toMatch(/; Expires=/);
    expect(cookie).not.toMatch(/; Secure/);

    const form = await loginForm();
    const https = await fetch(`${gw.url}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: form.cookie, origin: gw.url!, 'x-forwarded-proto': 'https', 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ _csrf: form.csrf, token: ADMIN_TOKEN, next: '/admin/dead-letters?status=all' }),
    });
    expect(https.headers.get('location')).toBe('/admin/dead-letters?status=all');
    expect(sessionCookie(https)).toMatch(/; Secure/);
  });

  it('logout ends the session on the server, and an expired session is refused', async () => {
    const session = await loginToConsole(gw.url!, ADMIN_TOKEN);
    expect((await session.get('/admin')).status).toBe(200);
    const out = await session.post('/admin/logout', { _csrf: session.csrf });
    expect(out.status).toBe(303);
    expect(out.location).toBe('/admin/login?notice=logged_out');
    expect((await session.get('/admin')).status).toBe(303);

    const other = await loginToConsole(gw.url!, ADMIN_TOKEN);
    expect((await other.get('/admin')).status).toBe(200);
    await gw.database.sql`update console_sessions set expires_at = now() - interval '1 second'`;
    expect((await other.get('/admin')).status).toBe(303);
    console_ = await loginToConsole(gw.url!, ADMIN_TOKEN);
  });

  it('a session opened under one admin token is not valid under another, and development mode needs no token', async () => {
    const logger = createLogger('silent');
    const appWith = (adminToken: string | undefined) =>
      createApp({
        db: gw.database.db,
        queue: gw.queue,
        publisher: createPublisher({ db: gw.database.db, queue: gw.queue, logger }),
        clock: systemClock,
        logger,
        config: { ...gw.config, adminToken },
        secretBox: createSecretBox({ key: gw.config.secretsKey }),
        readiness: async () => ({}),
      });
    const rotated = await appWith('a-completely-different-admin-token').request('/admin', { headers: { cookie: console_.cookie } });
    expect(rotated.status).toBe(303);

    const dev = appWith(undefined);
    const form = await dev.request('/admin/login');
    const formHtml = await form.text();
    expect(formHtml).toContain('Development mode');
    expect(formHtml).not.toContain('name="token"');
    const login = await dev.request('/admin/login', {
      method: 'POST',
      headers: { cookie: form.headers.getSetCookie()[0]!.split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ _csrf: csrfOf(formHtml) }),
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.getSetCookie().find((item) => item.startsWith('whgw_console='))!.split(';')[0]!;
    const home = await dev.request('/admin', { headers: { cookie } });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Development mode');
    // CSRF protection stays on in development mode.
    const forged = await dev.request('/admin/logout', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(forged.status).toBe(403);
  });
});

describe('login throttle', () => {
  it('after 10 failed logins from one address, refuses that address for a minute, even with the right token', async () => {
    const clock = manualClock(Date.now());
    const logger = createLogger('silent');
    const app = createApp({
      db: gw.database.db,
      queue: gw.queue,
      publisher: createPublisher({ db: gw.database.db, queue: gw.queue, logger }),
      clock,
      logger,
      config: gw.config,
      secretBox: createSecretBox({ key: gw.config.secretsKey }),
      readiness: async () => ({}),
    });
    const attempt = async (token: string) => {
      const form = await app.request('/admin/login');
      return app.request('/admin/login', {
        method: 'POST',
        headers: { cookie: form.headers.getSetCookie()[0]!.split(';')[0]!, 'content-type': 'application/x-www-form-urlencoded' },
        body: formBody({ _csrf: csrfOf(await form.text()), token }),
      });
    };
    for (let i = 0; i < 10; i++) expect((await attempt(`wrong-token-number-${i}`)).status).toBe(401);
    const blocked = await attempt(ADMIN_TOKEN);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    clock.advance(60_000);
    expect((await attempt(ADMIN_TOKEN)).status).toBe(303);
  });
});

describe('CSRF protection on every POST', () => {
  it('refuses a missing, wrong or foreign token and a cross-site Origin; nothing changes', async () => {
    const { letters } = await deadLetters(1, 'csrf');
    const path = `/admin/dead-letters/${letters[0]!.id}/dismiss`;
    const other = await loginToConsole(gw.url!, ADMIN_TOKEN);
    const refused = [
      await console_.post(path, {}),
      await console_.post(path, { _csrf: 'wrong' }),
      await console_.post(path, { _csrf: other.csrf }),
      await console_.post(path, { _csrf: console_.csrf }, { origin: 'http://attacker.example' }),
      await console_.post(path, { _csrf: console_.csrf }, { origin: 'null' }),
    ];
    for (const response of refused) {
      expect(response.status).toBe(403);
      expect(response.html).toContain('Forbidden');
    }
    const noOrigin = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: console_.cookie, 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ _csrf: console_.csrf }),
    });
    expect(noOrigin.status).toBe(403);
    expect((await gw.api<DeadLetterView>(`/v1/dead-letters/${letters[0]!.id}`)).body.status).toBe('open');

    // Behind a proxy that rewrites Host, the public host arrives as X-Forwarded-Host.
    const proxied = await console_.post('/admin/dead-letters/redeliver', { _csrf: console_.csrf, mode: 'selected' }, {
      origin: 'https://gateway.example.com',
      'x-forwarded-host': 'gateway.example.com',
    });
    expect(proxied.status).toBe(303);

    const accepted = await console_.post(path, { _csrf: console_.csrf });
    expect(accepted.status).toBe(303);
    expect((await gw.api<DeadLetterView>(`/v1/dead-letters/${letters[0]!.id}`)).body.status).toBe('dismissed');
  });
});

describe('dead letters', () => {
  it('dismisses one, redelivers all open ones of an endpoint, and never "all endpoints" by accident', async () => {
    const { endpoint, letters } = await deadLetters(3, 'bulk');
    const [first, ...rest] = letters;
    expect((await console_.post(`/admin/dead-letters/${first!.id}/dismiss`, { _csrf: console_.csrf, endpointId: endpoint.id })).location).toBe(
      `/admin/dead-letters?endpointId=${endpoint.id}&notice=dismissed`,
    );
    const again = await console_.post(`/admin/dead-letters/${first!.id}/dismiss`, { _csrf: console_.csrf });
    expect(again.status).toBe(409);
    expect(again.html).toContain('already dismissed');

    const unscoped = await console_.post('/admin/dead-letters/redeliver', { _csrf: console_.csrf, mode: 'endpoint', endpointId: '' });
    expect(unscoped.location).toContain('notice=nothing_selected');

    accept = true;
    const before = receiver.requests.length;
    const bulk = await console_.post('/admin/dead-letters/redeliver', { _csrf: console_.csrf, mode: 'endpoint', endpointId: endpoint.id });
    expect(bulk.location).toBe(`/admin/dead-letters?endpointId=${endpoint.id}&notice=redelivered&count=2&skipped=0`);
    const page = await console_.get(bulk.location!);
    expect(page.html).toContain('2 dead letters queued for redelivery.');
    await waitFor('two redeliveries', () => receiver.requests.length >= before + 2);
    const ids = receiver.requests.slice(before).map((request) => request.headers['webhook-id']);
    expect(ids.sort()).toEqual(rest.map((letter) => letter.deliveryId).sort());
    expect((await gw.api<DeadLetterView>(`/v1/dead-letters/${first!.id}`)).body.status).toBe('dismissed');
    accept = false;
  });
});

describe('redelivery', () => {
  it('redelivers the selected dead letters and a delivery from its page; a disabled endpoint answers 409', async () => {
    const { endpoint, letters } = await deadLetters(3, 'selected');
    const [a, b, c] = letters;
    accept = true;
    const before = receiver.requests.length;
    const selected = await console_.post('/admin/dead-letters/redeliver', { _csrf: console_.csrf, mode: 'selected', ids: [a!.id, b!.id], endpointId: endpoint.id });
    expect(selected.location).toBe(`/admin/dead-letters?endpointId=${endpoint.id}&notice=redelivered&count=2&skipped=0`);
    await waitFor('two selected redeliveries', () => receiver.requests.length >= before + 2);
    expect(receiver.requests.slice(before).map((request) => request.headers['webhook-id']).sort()).toEqual([a!.deliveryId, b!.deliveryId].sort());
    expect((await gw.api<DeadLetterView>(`/v1/dead-letters/${c!.id}`)).body.status).toBe('open');

    const fromPage = await console_.post(`/admin/deliveries/${c!.deliveryId}/redeliver`, { _csrf: console_.csrf });
    expect(fromPage.location).toBe(`/admin/deliveries/${c!.deliveryId}?notice=delivery_redelivered&count=2`);
    await waitFor('the delivery redelivered', () => receiver.requests.some((request, index) => index >= before + 2 && request.headers['webhook-id'] === c!.deliveryId));
    const page = await console_.get(fromPage.location!);
    expect(page.html).toContain('Delivery queued for redelivery (attempt series 2).');
    expect(page.html).toContain('data-attempt="2.1"');
    accept = false;

    await gw.api(`/v1/endpoints/${endpoint.id}`, { method: 'PATCH', body: { enabled: false } });
    const disabled = await console_.post(`/admin/deliveries/${a!.deliveryId}/redeliver`, { _csrf: console_.csrf });
    expect(disabled.status).toBe(409);
    expect(disabled.html).toContain('the endpoint is disabled');
    const reset = await console_.post('/admin/endpoints/01a20000-0000-7000-8000-000000000000/breaker/reset', { _csrf: console_.csrf });
    expect(reset.status).toBe(404);
  });
});

describe('pages', () => {
  it('escape every value and show no secret', async () => {
    const created = (
      await gw.api<EndpointView & { secret: string }>('/v1/endpoints', {
        body: { url: `${receiver.url}/x`, description: '<script>alert("d")</script>', eventTypes: ['xss.*'], headers: { 'X-Api-Key': 'key-value-never-shown' } },
      })
    ).body;
    await gw.api('/v1/events', { body: { type: 'xss.test', payload: { html: '</pre><script>alert("p")</script>' } } });
    const letter = await waitFor('xss dead letter', async () => (await gw.api<List<DeadLetterView>>(`/v1/dead-letters?endpointId=${created.id}`)).body.data[0]);

    const pages = [
      await console_.get('/admin'),
      await console_.get(`/admin/deliveries/${letter.deliveryId}`),
      await console_.get(`/admin/events/${letter.eventId}`),
      await console_.get(`/admin/dead-letters?endpointId=${created.id}`),
      await console_.get('/admin/search?type=xss.test'),
    ];
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(page.html).not.toMatch(/<script|<img/i);
      expect(page.html).not.toContain(created.secret);
      expect(page.html).not.toContain('key-value-never-shown');
      expect(page.html).not.toContain(ADMIN_TOKEN);
    }
    expect(pages[0]!.html).toContain('&lt;script&gt;alert(&quot;d&quot;)&lt;/script&gt;');
    expect(pages[0]!.html).toContain('custom headers: x-api-key');
    expect(pages[1]!.html).toContain('&lt;img src=x onerror=alert(1)&gt; rejected');
    expect(pages[2]!.html).toContain('&lt;/pre&gt;&lt;script&gt;');
  });

  it('list the endpoints of every tenant with the tenant name', async () => {
    const tenant = (await gw.api<{ id: string }>('/v1/tenants', { body: { name: 'Acme <Corp>' } })).body;
    const token = (await gw.api<{ token: string }>(`/v1/tenants/${tenant.id}/tokens`, { body: { scopes: ['endpoints:manage'] } })).body.token;
    const created = await gw.api<EndpointView>('/v1/endpoints', { body: { url: `${receiver.url}/acme`, eventTypes: ['acme.*'] }, headers: { authorization: `Bearer ${token}` } });
    expect(created.status).toBe(201);
    const page = await console_.get('/admin');
    const row = page.html.slice(page.html.indexOf(`data-endpoint-id="${created.body.id}"`));
    expect(row.slice(0, row.indexOf('</tr>'))).toContain('Acme &lt;Corp&gt;');
    expect(page.html).toContain('>default<');
  });

  it('answer unknown ids with a 404 page and send a CSP that allows no script', async () => {
    const missing = await console_.get('/admin/deliveries/01a20000-0000-7000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('delivery not found');
    expect((await console_.get('/admin/nothing-here')).status).toBe(404);
    const response = await fetch(`${gw.url}/admin`, { headers: { cookie: console_.cookie } });
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('search finds a delivery by its id, an event by its id, and deliveries by type and status', async () => {
    const { letters } = await deadLetters(1, 'search');
    const letter = letters[0]!;
    expect((await console_.get(`/admin/search?q=${letter.deliveryId}`)).location).toBe(`/admin/deliveries/${letter.deliveryId}`);
    expect((await console_.get(`/admin/search?q=${letter.eventId}`)).location).toBe(`/admin/events/${letter.eventId}`);
    expect((await console_.get(`/admin/search?q=${letter.id}`)).location).toBe(`/admin/deliveries/${letter.deliveryId}`);
    expect((await console_.get('/admin/search?q=01a20000-0000-7000-8000-000000000000')).html).toContain('No event, delivery or dead letter has this id.');
    const dead = await console_.get(`/admin/search?type=order.created&status=dead&endpointId=${letter.endpointId}`);
    expect(dead.html).toContain(`data-delivery-id="${letter.deliveryId}"`);
    const none = await console_.get(`/admin/search?type=order.created&status=succeeded&endpointId=${letter.endpointId}`);
    expect(none.html).not.toContain(`data-delivery-id="${letter.deliveryId}"`);
    expect(none.html).toContain('No deliveries match.');
  });
});
