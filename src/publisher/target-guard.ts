/**
 * SSRF guard for delivery targets. Endpoint URLs are chosen by subscribers, so without a guard the
 * gateway could be made to POST into its own network (metadata services, databases, admin panels).
 * The check runs where the connection is made: on every address a hostname resolves to, at connect
 * time (so a DNS answer that changes after registration, "DNS rebinding", is caught), and on IP
 * literals, which skip DNS. Private, loopback, link-local, CGNAT, multicast and reserved ranges are
 * refused unless `ALLOW_PRIVATE_TARGETS=true` or the address is inside `ALLOWED_TARGET_CIDRS`.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';

type Range = { network: bigint; bits: number; size: 32 | 128; label: string };

const V4_BLOCKED: [string, string][] = [
  ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
  ['10.0.0.0/8', 'private (RFC 1918)'],
  ['100.64.0.0/10', 'shared address space (CGNAT, 100.64/10)'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local (169.254/16, cloud metadata)'],
  ['172.16.0.0/12', 'private (RFC 1918)'],
  ['192.0.0.0/24', 'IETF protocol assignments'],
  ['192.0.2.0/24', 'documentation (TEST-NET-1)'],
  ['192.88.99.0/24', '6to4 relay anycast'],
  ['192.168.0.0/16', 'private (RFC 1918)'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation (TEST-NET-2)'],
  ['203.0.113.0/24', 'documentation (TEST-NET-3)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];

const V6_BLOCKED: [string, string][] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'local-use IPv4/IPv6 translation'],
  ['100::/64', 'discard-only'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'unique local (ULA)'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'site-local (deprecated)'],
  ['ff00::/8', 'multicast'],
];

function v4ToBigInt(ip: string): bigint {
  return ip.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function v6ToBigInt(ip: string): bigint {
  let text = ip.toLowerCase().replace(/%.*$/, '');
  // An embedded dotted IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const v4 = v4ToBigInt(dotted[1]);
    text = `${text.slice(0, -dotted[1].length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group || '0', 16)), 0n);
}

/** Parses `a.b.c.d/n` or `v6::/n`; throws a plain Error for anything else (configuration misuse). */
export function parseCidr(cidr: string, label = cidr): Range {
  const [address = '', prefix] = cidr.trim().split('/');
  const family = isIP(address);
  if (family === 0) throw new Error(`not a CIDR range: ${cidr}`);
  const size = family === 4 ? 32 : 128;
  const bits = prefix === undefined ? size : Number(prefix);
  if (!Number.isInteger(bits) || bits < 0 || bits > size) throw new Error(`not a CIDR range: ${cidr}`);
  const value = family === 4 ? v4ToBigInt(address) : v6ToBigInt(address);
  const shift = BigInt(size - bits);
  return { network: (value >> shift) << shift, bits, size, label };
}

function inRange(value: bigint, size: 32 | 128, range: Range): boolean {
  if (range.size !== size) return false;
  const shift = BigInt(size - range.bits);
  return value >> shift === range.network >> shift;
}

const BLOCKED_V4 = V4_BLOCKED.map(([cidr, label]) => parseCidr(cidr, label));
const BLOCKED_V6 = V6_BLOCKED.map(([cidr, label]) => parseCidr(cidr, label));

/**
 * Why an IP address may not be a delivery target (undefined when it may). IPv4-mapped and
 * IPv4-compatible IPv6 addresses, and the NAT64 prefix, are judged by the IPv4 address inside.
 */
export function blockedReason(ip: string, allowed: readonly Range[] = []): string | undefined {
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const value = v6ToBigInt(ip);
    const embedded =
      value >> 32n === 0xffffn || (value >> 32n === 0n && value > 1n) || value >> 32n === 0x64ff9b0000000000000000n
        ? value & 0xffffffffn
        : undefined;
    if (embedded !== undefined) {
      const v4 = [24n, 16n, 8n, 0n].map((shift) => ((embedded >> shift) & 0xffn).toString()).join('.');
      return blockedReason(v4, allowed);
    }
    if (allowed.some((range) => inRange(value, 128, range))) return undefined;
    return BLOCKED_V6.find((range) => inRange(value, 128, range))?.label;
  }
  const value = v4ToBigInt(ip);
  if (allowed.some((range) => inRange(value, 32, range))) return undefined;
  if (value === 0xffffffffn) return 'broadcast';
  return BLOCKED_V4.find((range) => inRange(value, 32, range))?.label;
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** The system resolver (getaddrinfo), every address. */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/** An error meaning the target was refused by the guard (code `ESSRFBLOCKED`). */
export class BlockedTargetError extends Error {
  override name = 'BlockedTargetError';
  readonly code = 'ESSRFBLOCKED';
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A target URL, parsed, that may be used; or why it may not. */
export type TargetCheck = { ok: true; url: URL } | { ok: false; refused: string };

export type TargetGuard = {
  /** Why this URL may not be used (scheme, or an IP literal in a blocked range); undefined when it may. */
  checkUrl(url: string): string | undefined;
  /** The same check, returning the parsed URL when it may be used (one parse for the sender). */
  parseTarget(url: string): TargetCheck;
  /** A `net.connect` lookup that refuses hostnames resolving to any blocked address. */
  lookup: (hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback) => void;
};

/**
 * Creates the guard from configuration. With `allowPrivateTargets` it still enforces `httpsOnly`.
 * @example new Agent({ connect: { lookup: createTargetGuard({ allowPrivateTargets: false }).lookup } })
 */
export function createTargetGuard(options: {
  allowPrivateTargets: boolean;
  allowedCidrs?: readonly string[];
  httpsOnly?: boolean;
  resolve?: Resolver;
}): TargetGuard {
  const allowed = (options.allowedCidrs ?? []).map((cidr) => parseCidr(cidr));
  const resolve = options.resolve ?? systemResolver;
  const check = (ip: string) => (options.allowPrivateTargets ? undefined : blockedReason(ip, allowed));

  function parseTarget(url: string): TargetCheck {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, refused: 'not a URL' };
    }
    if (options.httpsOnly && parsed.protocol !== 'https:') return { ok: false, refused: 'only https targets are allowed (HTTPS_ONLY)' };
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const reason = isIP(host) === 0 ? undefined : check(host);
    return reason
      ? { ok: false, refused: `target address ${host} is ${reason}; set ALLOW_PRIVATE_TARGETS=true or ALLOWED_TARGET_CIDRS to permit it` }
      : { ok: true, url: parsed };
  }

  return {
    checkUrl(url) {
      const target = parseTarget(url);
      return target.ok ? undefined : target.refused;
    },
    parseTarget,
    lookup(hostname, lookupOptions, callback) {
      resolve(hostname).then(
        (addresses) => {
          const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? addresses.filter((a) => a.family === lookupOptions.family) : addresses;
          if (wanted.length === 0) {
            const error: NodeJS.ErrnoException = new Error(`${hostname} has no usable address`);
            error.code = 'ENOTFOUND';
            callback(error, []);
            return;
          }
          for (const address of wanted) {
            const reason = check(address.address);
            if (reason) {
              callback(
                new BlockedTargetError(
                  `${hostname} resolves to ${address.address}, which is ${reason}; set ALLOW_PRIVATE_TARGETS=true or ALLOWED_TARGET_CIDRS to permit it`,
                ),
                [],
              );
              return;
            }
          }
          if (lookupOptions.all) callback(null, wanted);
          else callback(null, wanted[0]!.address, wanted[0]!.family);
        },
        (error: NodeJS.ErrnoException) => callback(error, []),
      );
    },
  };
}
