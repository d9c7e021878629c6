import { mkdir } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';

let gw: TestGateway;
let browser: Browser;

beforeAll(async () => {
  gw = await startTestGateway('docs_browser', {}, 'api');
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
});

describe('/docs in a real browser', () => {
  it('renders every operation of /openapi.json with Swagger UI, loading nothing from outside the gateway', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    const failures: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${gw.url}/docs`);
    await page.waitForSelector('.opblock', { timeout: 20_000 });

    const document = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(document.paths).reduce((n, path) => n + Object.keys(path).length, 0);
    expect(await page.locator('.opblock').count()).toBe(operations);
    expect(await page.locator('.opblock-summary-path', { hasText: '/v1/events' }).count()).toBeGreaterThan(0);
    expect(await page.locator('button.authorize').count()).toBe(1);
    expect(failures).toEqual([]);
    expect(requested.filter((url) => !url.startsWith(gw.url!) && !url.startsWith('data:'))).toEqual([]);

    await mkdir('test/artifacts', { recursive: true });
    await page.screenshot({ path: 'test/artifacts/docs.png', fullPage: false });
  }, 60_000);
});
