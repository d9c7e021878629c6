import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DeadLetterView, EndpointView } from '../src/publisher/index.ts';
import { ADMIN_TOKEN, startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { startReceiver } from './helpers/receiver.ts';
import { waitFor } from './helpers/wait.ts';

/** Debian's package (`apt-get install -y chromium`); `.ci/run` installs it. Missing is a failure, not a skip. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));

type List<T> = { data: T[] };
let gw: TestGateway;
let browser: Browser;
let healthy: Awaited<ReturnType<typeof startReceiver>>;
let flaky: Awaited<ReturnType<typeof startReceiver>>;
let flakyDown = true;
let flakyEndpoint: EndpointView;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  mkdirSync(ARTIFACTS, { recursive: true });
  healthy = await startReceiver();
  flaky = await startReceiver(() => (flakyDown ? { status: 503, body: 'flaky receiver: database is down' } : { status: 200, body: 'ok' }));
  // Two attempts 100 ms apart; two consecutive failures open the breaker (and keep it open for a minute).
  gw = await startTestGateway('console_browser', { RETRY_SCHEDULE: '100ms', BREAKER_FAILURES: '2' });
  await gw.api('/v1/endpoints', { body: { url: `${healthy.url}/hooks`, description: 'billing service', eventTypes: ['order.*'] } });
  flakyEndpoint = (await gw.api<EndpointView>('/v1/endpoints', { body: { url: `${flaky.url}/hooks`, description: 'warehouse', eventTypes: ['order.*'] } })).body;
  await gw.api('/v1/events', { body: { type: 'order.created', payload: { orderId: 1001 } } });
  await gw.api('/v1/events', { body: { type: 'order.paid', payload: { orderId: 1001 } } });
  await waitFor('both flaky deliveries dead', async () => (await gw.api<List<DeadLetterView>>(`/v1/dead-letters?endpointId=${flakyEndpoint.id}`)).body.data.length === 2, 15_000);
  await waitFor('healthy receiver got both', () => healthy.requests.length === 2);
  browser = await chromium.launch({ executablePath: CHROMIUM });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await healthy?.close();
  await flaky?.close();
});

const shot = (page: Page, name: string) => page.screenshot({ path: `${ARTIFACTS}console-${name}.png`, fullPage: true });

it('without a session the browser lands on the login page; a POST without the CSRF token is refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${gw.url}/admin/dead-letters`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  expect(new URL(page.url()).searchParams.get('next')).toBe('/admin/dead-letters');
  await page.fill('#token', 'wrong-token-wrong-token');
  await page.click('button[type=submit]');
  await expect.poll(() => page.textContent('.notice')).toContain('not the admin token');
  await shot(page, 'login-refused');

  await page.fill('#token', ADMIN_TOKEN);
  await page.click('button[type=submit]');
  await page.waitForURL(`${gw.url}/admin/dead-letters`);
  // Same cookies as the page, but no _csrf field: 403, and the dead letters stay open.
  const forged = await page.request.post(`${gw.url}/admin/dead-letters/redeliver`, { form: { mode: 'endpoint', endpointId: flakyEndpoint.id } });
  expect(forged.status()).toBe(403);
  expect(await forged.text()).toContain('security token');
  expect((await gw.api<List<DeadLetterView>>(`/v1/dead-letters?endpointId=${flakyEndpoint.id}`)).body.data).toHaveLength(2);
  await context.close();
}, 20_000);

it('an admin logs in, sees the breaker open, resets it, searches, reads the attempts and redelivers a dead letter to the receiver', async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${gw.url}/admin`);
  await page.fill('#token', ADMIN_TOKEN);
  await page.click('button[type=submit]');
  await page.waitForURL(`${gw.url}/admin`);

  // Endpoints with breaker state and recent success rate.
  const flakyRow = page.locator(`tr[data-endpoint-id="${flakyEndpoint.id}"]`);
  const healthyRow = page.locator('#endpoints tbody tr', { hasText: 'billing service' });
  expect(await flakyRow.locator('.breaker .badge').getAttribute('data-state')).toBe('open');
  expect(await healthyRow.locator('.breaker .badge').getAttribute('data-state')).toBe('closed');
  expect(await healthyRow.textContent()).toContain('100% of 2');
  expect(await flakyRow.textContent()).toMatch(/0% of \d/);
  await shot(page, 'endpoints');

  // The receiver recovers; the admin closes the breaker instead of waiting a minute.
  flakyDown = false;
  await flakyRow.getByRole('button', { name: 'Reset breaker' }).click();
  await expect.poll(() => page.textContent('.notice')).toContain('Breaker reset');
  expect(await flakyRow.locator('.breaker .badge').getAttribute('data-state')).toBe('closed');

  // The endpoint's page lists every breaker transition with its reason.
  await flakyRow.locator(`a[href="/admin/endpoints/${flakyEndpoint.id}"]`).click();
  await page.waitForURL(`${gw.url}/admin/endpoints/${flakyEndpoint.id}`);
  const transitions = await page.locator('#transitions tbody tr').allTextContents();
  expect(transitions[0]).toMatch(/open.*closed.*manual_reset/);
  expect(transitions.some((text) => /closed.*open/.test(text))).toBe(true);
  await shot(page, 'endpoint');

  // Search deliveries by type and status.
  await page.click('nav >> text=Events and deliveries');
  await page.fill('input[name=type]', 'order.created');
  await page.selectOption('select[name=status]', 'dead');
  await page.click('form[role=search] button[type=submit]');
  const results = page.locator('#deliveries tbody tr');
  await expect.poll(() => results.count()).toBe(1);
  await shot(page, 'search');

  // A delivery's attempts: status, duration, response excerpt, error.
  await results.first().locator('td').first().locator('a').click();
  await page.waitForURL(/\/admin\/deliveries\//);
  const deliveryId = page.url().split('/').pop()!;
  const attempts = page.locator('#attempts tbody tr');
  expect(await attempts.count()).toBe(2);
  // At least the first request reached the receiver (a later one may have failed fast on the open breaker).
  const attemptTexts = await attempts.allTextContents();
  const reached = attemptTexts.find((text) => text.includes('503'));
  expect(reached).toContain('flaky receiver: database is down');
  expect(reached).toMatch(/\d+ ms/);
  expect(reached).toContain('http_status');
  await shot(page, 'delivery');

  // Dead letters: redeliver this one; the real receiver gets the same webhook id.
  await page.click('nav >> text=Dead letters');
  const before = flaky.requests.length;
  const row = page.locator('#dead-letters tbody tr', { has: page.locator(`a[href="/admin/deliveries/${deliveryId}"]`) });
  await shot(page, 'dead-letters');
  await row.getByRole('button', { name: 'Redeliver' }).click();
  await expect.poll(() => page.textContent('.notice')).toContain('1 dead letter queued for redelivery.');
  const received = await waitFor('the redelivered webhook', () => flaky.requests.slice(before).find((request) => request.headers['webhook-id'] === deliveryId));
  expect(JSON.parse(received.body)).toMatchObject({ type: 'order.created', data: { orderId: 1001 } });
  await waitFor('delivery succeeded', async () => (await gw.api<{ status: string }>(`/v1/deliveries/${deliveryId}`)).body.status === 'succeeded');

  // The other one: tick its box and redeliver the selection.
  const remaining = page.locator('#dead-letters tbody tr');
  await expect.poll(() => remaining.count()).toBe(1);
  await remaining.first().locator('input[type=checkbox]').check();
  await page.getByRole('button', { name: 'Redeliver selected' }).click();
  await expect.poll(() => page.textContent('.notice')).toContain('1 dead letter queued for redelivery.');
  await waitFor('the selected redelivery', () => flaky.requests.slice(before).some((request) => request.headers['webhook-id'] !== deliveryId));
  expect(await page.locator('#dead-letters tbody tr').count()).toBe(0);
  await shot(page, 'dead-letters-redelivered');

  // The delivery page shows the manual series.
  await page.goto(`${gw.url}/admin/deliveries/${deliveryId}`);
  const manual = page.locator('#attempts tbody tr[data-attempt="2.1"]');
  expect(await manual.textContent()).toContain('manual');
  expect(await manual.textContent()).toContain('200');

  // Logging out ends the session.
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(/\/admin\/login/);
  await page.goto(`${gw.url}/admin`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  await context.close();
}, 30_000);
