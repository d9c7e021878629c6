import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { blockedReason, createTargetGuard, parseCidr } from './target-guard.ts';

/** One address in every range the guard refuses, with the range it belongs to. */
const BLOCKED: [string, string][] = [
  ['0.1.2.3', '0.0.0.0/8'],
  ['10.1.2.3', '10/8'],
  ['100.64.0.1', 'CGNAT'],
  ['100.127.255.254', 'CGNAT'],
  ['127.0.0.1', 'loopback'],
  ['127.255.0.9', 'loopback'],
  ['169.254.169.254', 'cloud metadata'],
  ['172.16.0.1', '172.16/12'],
  ['172.31.255.255', '172.16/12'],
  ['192.168.1.1', '192.168/16'],
  ['192.0.0.8', 'IETF'],
  ['192.0.2.1', 'TEST-NET-1'],
  ['198.18.0.1', 'benchmarking'],
  ['198.51.100.7', 'TEST-NET-2'],
  ['203.0.113.9', 'TEST-NET-3'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['::', 'unspecified'],
  ['::1', 'IPv6 loopback'],
  ['fc00::1', 'ULA'],
  ['fd12:3456::1', 'ULA'],
  ['fe80::1', 'IPv6 link-local'],
  ['ff02::1', 'IPv6 multicast'],
  ['2001:db8::1', 'IPv6 documentation'],
  ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
  ['::ffff:7f00:1', 'IPv4-mapped loopback (hex)'],
  ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
  ['::ffff:10.0.0.1', 'IPv4-mapped private'],
  ['::127.0.0.1', 'IPv4-compatible loopback'],
  ['64:ff9b::a00:1', 'NAT64 of 10.0.0.1'],
];
const ALLOWED = ['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'];

const fakeDns = (table: Record<string, string[]>) => async (hostname: string): Promise<LookupAddress[]> =>
  (table[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

function lookup(guard: ReturnType<typeof createTargetGuard>, hostname: string): Promise<{ error: NodeJS.ErrnoException | null; addresses: unknown }> {
  return new Promise((resolve) => guard.lookup(hostname, { all: true }, (error, addresses) => resolve({ error, addresses })));
}

describe('SSRF guard', () => {
  const guard = createTargetGuard({
    allowPrivateTargets: false,
    resolve: fakeDns({
      ...Object.fromEntries(BLOCKED.map(([ip], i) => [`blocked-${i}.example`, [ip]])),
      ...Object.fromEntries(ALLOWED.map((ip, i) => [`public-${i}.example`, [ip]])),
      'mixed.example': ['8.8.8.8', '10.0.0.1'],
    }),
  });

  for (const [i, [ip, range]] of BLOCKED.entries()) {
    it(`refuses ${range} (${ip}) as a literal and through DNS`, async () => {
      expect(blockedReason(ip)).toBeDefined();
      const host = ip.includes(':') ? `[${ip}]` : ip;
      expect(guard.checkUrl(`http://${host}:8080/hook`)).toMatch(/ALLOW_PRIVATE_TARGETS/);
      const { error } = await lookup(guard, `blocked-${i}.example`);
      expect(error?.code).toBe('ESSRFBLOCKED');
      expect(error?.message).toContain(ip);
    });
  }

  it('lets public addresses through', async () => {
    for (const [i, ip] of ALLOWED.entries()) {
      expect(blockedReason(ip), ip).toBeUndefined();
      expect(guard.checkUrl(`https://${ip.includes(':') ? `[${ip}]` : ip}/`)).toBeUndefined();
      const { error, addresses } = await lookup(guard, `public-${i}.example`);
      expect(error).toBeNull();
      expect(addresses).toEqual([{ address: ip, family: ip.includes(':') ? 6 : 4 }]);
    }
    expect(guard.checkUrl('https://hooks.example.com/x')).toBeUndefined();
  });

  it('refuses a hostname when any of its addresses is blocked (one bad A record is enough)', async () => {
    expect((await lookup(guard, 'mixed.example')).error?.code).toBe('ESSRFBLOCKED');
  });

  it('allows what ALLOW_PRIVATE_TARGETS or ALLOWED_TARGET_CIDRS permit, and enforces HTTPS_ONLY', async () => {
    const open = createTargetGuard({ allowPrivateTargets: true, resolve: fakeDns({ 'db.internal': ['10.0.0.5'] }) });
    expect(open.checkUrl('http://127.0.0.1:1/')).toBeUndefined();
    expect((await lookup(open, 'db.internal')).error).toBeNull();
    const narrow = createTargetGuard({ allowPrivateTargets: false, allowedCidrs: ['10.20.0.0/16', 'fd00:1::/64'] });
    expect(narrow.checkUrl('http://10.20.3.4/')).toBeUndefined();
    expect(narrow.checkUrl('http://[fd00:1::9]/')).toBeUndefined();
    expect(narrow.checkUrl('http://10.21.0.1/')).toMatch(/private/);
    const httpsOnly = createTargetGuard({ allowPrivateTargets: true, httpsOnly: true });
    expect(httpsOnly.checkUrl('http://example.com/')).toMatch(/HTTPS_ONLY/);
    expect(httpsOnly.checkUrl('https://example.com/')).toBeUndefined();
  });

  it('parses CIDR ranges and rejects garbage', () => {
    expect(parseCidr('10.0.0.0/8').bits).toBe(8);
    expect(() => parseCidr('10.0.0.0/33')).toThrow();
    expect(() => parseCidr('nonsense')).toThrow();
  });
});
