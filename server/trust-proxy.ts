import { BlockList, isIP } from 'node:net';

/**
 * Which hops of `X-Forwarded-For` the server believes. Never "trust everything": either a hop count
 * (the instance is reachable only through that many proxies) or the proxies' own addresses.
 */
export type TrustProxy =
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'addresses'; readonly addresses: readonly string[] };

/** Thrown for a `--trust-proxy` value that is neither a hop count nor a list of addresses/CIDRs. */
export class TrustProxyError extends Error {
  override readonly name = 'TrustProxyError';
}

const HOPS = /^[0-9]{1,2}$/;

/**
 * Parses `--trust-proxy`: `N` (1-16, a hop count) or a comma-separated list of IPv4/IPv6 addresses
 * and CIDRs (`10.0.0.0/8,fd00::/8,192.0.2.7`). `true`, `all`, `*`, `0.0.0.0/0` and `::/0` are
 * refused: trusting every peer lets any direct client choose the address its rate limit counts.
 */
export function parseTrustProxy(spec: string): TrustProxy {
  const text = spec.trim();
  if (HOPS.test(text)) {
    const hops = Number(text);
    if (hops < 1 || hops > 16) throw new TrustProxyError('--trust-proxy hop count must be 1-16');
    return { kind: 'hops', hops };
  }
  const addresses = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (addresses.length === 0) {
    throw new TrustProxyError('--trust-proxy takes a hop count or a list of proxy addresses/CIDRs');
  }
  for (const entry of addresses) checkEntry(entry);
  return { kind: 'addresses', addresses };
}

function checkEntry(entry: string): void {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (extra !== undefined || family === 0) {
    throw new TrustProxyError(
      `--trust-proxy: "${entry.slice(0, 60)}" is not an IP address or CIDR (a hop count or addresses only; "trust all" is not offered)`,
    );
  }
  if (prefix === undefined) return;
  const bits = Number(prefix);
  const max = family === 4 ? 32 : 128;
  if (!/^[0-9]{1,3}$/.test(prefix) || bits > max) {
    throw new TrustProxyError(`--trust-proxy: "${entry.slice(0, 60)}" has an invalid prefix length`);
  }
  if (bits === 0) throw new TrustProxyError('--trust-proxy: a /0 range would trust every client');
}

/** An IPv4-mapped IPv6 peer (`::ffff:10.0.0.1`) is checked as the IPv4 address it carries. */
function unmapped(address: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const m = /^::ffff:([0-9.]+)$/i.exec(address);
  const plain = m ? m[1]! : address;
  const family = isIP(plain);
  if (family === 0) return null;
  return { address: plain, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * Fastify's `trustProxy` function: `(address, hop)` is true when that hop (0 = the socket peer) is
 * a trusted proxy, so the address before it in `X-Forwarded-For` is believed. With an address list a
 * direct client's own `X-Forwarded-For` is ignored, since its socket address is not in the list.
 */
export function trustFunction(trust: TrustProxy): (address: string, hop: number) => boolean {
  if (trust.kind === 'hops') return (_address, hop) => hop < trust.hops;
  const list = new BlockList();
  for (const entry of trust.addresses) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address!) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address!, family);
    else list.addSubnet(address!, Number(prefix), family);
  }
  return (address) => {
    const peer = unmapped(address);
    return peer !== null && list.check(peer.address, peer.family);
  };
}

/** For logs and docs: the setting without any client data. */
export function describeTrustProxy(trust: TrustProxy | undefined): string {
  if (!trust) return 'off';
  return trust.kind === 'hops' ? `${trust.hops} hop(s)` : trust.addresses.join(',');
}
