import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { fromSameSite, safeNext } from './guard.ts';

describe('safeNext', () => {
  it('keeps console paths and sends everything else to /admin', () => {
    expect(safeNext('/admin/dead-letters?endpointId=x&status=all')).toBe('/admin/dead-letters?endpointId=x&status=all');
    expect(safeNext('/admin')).toBe('/admin');
    expect(safeNext('/admin?after=x')).toBe('/admin?after=x');
    for (const unsafe of [undefined, '', '//attacker.example', 'https://attacker.example/admin', '/adminx', '/\t/attacker.example', '/admin\\..\\x', '/admin/login', '/admin/logout', '/admin/x\r\nSet-Cookie: a=b'])
      expect(safeNext(unsafe), String(unsafe)).toBe('/admin');
  });
});

describe('fromSameSite', () => {
  const app = new Hono().post('/', (c) => c.text(String(fromSameSite(c))));
  const check = async (headers: Record<string, string>) => (await (await app.request('http://gw.local:3000/', { method: 'POST', headers: { host: 'gw.local:3000', ...headers } })).text()) === 'true';

  it('accepts this host as Origin, or the forwarded host behind a proxy', async () => {
    expect(await check({ origin: 'http://gw.local:3000' })).toBe(true);
    expect(await check({ origin: 'https://gw.example.com', 'x-forwarded-host': 'gw.example.com' })).toBe(true);
  });

  it('refuses another host or port, an opaque origin and garbage', async () => {
    expect(await check({ origin: 'http://attacker.example' })).toBe(false);
    expect(await check({ origin: 'http://gw.local:4000' })).toBe(false);
    expect(await check({ origin: 'null' })).toBe(false);
    expect(await check({ origin: 'not a url' })).toBe(false);
    expect(await check({ origin: 'http://attacker.example', 'x-forwarded-host': 'gw.example.com' })).toBe(false);
  });

  it('without Origin, follows Sec-Fetch-Site when the browser sends it', async () => {
    expect(await check({})).toBe(true);
    expect(await check({ 'sec-fetch-site': 'same-origin' })).toBe(true);
    expect(await check({ 'sec-fetch-site': 'same-site' })).toBe(false);
    expect(await check({ 'sec-fetch-site': 'cross-site' })).toBe(false);
  });
});
