import { BlockList, isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** The proxies whose `X-Forwarded-For` Quarry believes; empty means it believes none. */
export type TrustedProxies = { list: BlockList; empty: boolean };

/**
 * Parses `QUARRY_TRUSTED_PROXIES`: comma-separated addresses (`10.0.0.2`) and CIDR ranges
 * (`10.0.0.0/8`, `fd00::/8`). Returns the entries that are neither, so configuration can refuse them.
 */
export function parseTrustedProxies(value: string | undefined): {
  proxies: TrustedProxies;
  invalid: string[];
} {
  const list = new BlockList();
  const invalid: string[] = [];
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? null : Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      rest.length > 0 ||
      (bits !== null && !(Number.isInteger(bits) && bits >= 0 && bits <= maxBits))
    ) {
      invalid.push(entry);
      continue;
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === null) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
  }
  return { proxies: { list, empty: entries.length === invalid.length }, invalid };
}

export const noTrustedProxies: TrustedProxies = parseTrustedProxies(undefined).proxies;

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is `10.0.0.1`. */
function normalise(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped?.[1] ?? address;
}

function isTrusted(proxies: TrustedProxies, address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return proxies.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client's address. The socket peer, unless the peer is a trusted proxy: then the right-most
 * `X-Forwarded-For` entry that is not itself a trusted proxy (entries to its left were written by
 * whoever sent the request and prove nothing). A malformed entry stops the walk at the last hop we
 * could vouch for. Without trusted proxies the header is ignored entirely, so nobody can choose
 * the address their sign-in attempts are counted against.
 */
export function resolveClientIp(input: {
  peer: string | null;
  forwardedFor: string | null;
  proxies: TrustedProxies;
}): string | null {
  if (!input.peer) return null;
  let address = normalise(input.peer);
  if (input.proxies.empty || !input.forwardedFor) return address;
  const hops = input.forwardedFor
    .split(',')
    .map((hop) => normalise(hop.trim()))
    .reverse();
  for (const hop of hops) {
    if (!isTrusted(input.proxies, address)) return address;
    if (isIP(hop) === 0) return address;
    address = hop;
  }
  return address;
}

/** The socket peer's address, or null where there is no socket (`app.request` in tests). */
function peerOf(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/** The one place the API decides who a request came from: sign-in limits, sessions, audit. */
export function clientIp(c: Context, proxies: TrustedProxies): string | null {
  return resolveClientIp({ peer: peerOf(c), forwardedFor: c.req.header('x-forwarded-for') ?? null, proxies });
}
