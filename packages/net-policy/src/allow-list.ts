import { BlockList, isIP } from 'node:net';
import { err, ok, type QuarryError, type Result } from '@quarry/contracts';

/**
 * What an Admin allowed in configuration despite the address policy: host names (exact, such as
 * `localhost` or `idp.corp.internal`), addresses (`127.0.0.1`, `::1`) and ranges (`10.20.0.0/16`).
 */
export type AllowList = {
  names: ReadonlySet<string>;
  addresses: BlockList;
  /** The entries as configured, for logs and the cache key of anything that depends on them. */
  entries: readonly string[];
};

export const EMPTY_ALLOW_LIST: AllowList = { names: new Set(), addresses: new BlockList(), entries: [] };

const HOST_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Parses a comma-separated list (`QUARRY_ALLOWED_PRIVATE_HOSTS`); one bad entry refuses it all. */
export function parseAllowList(text: string | undefined): Result<AllowList, QuarryError> {
  const names = new Set<string>();
  const addresses = new BlockList();
  const entries: string[] = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = normalizeHost(raw.trim());
    if (!entry) continue;
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    if (family && rest.length === 0) {
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) addresses.addAddress(address, type);
      else {
        const bits = Number(prefix);
        if (!/^\d{1,3}$/.test(prefix) || bits > (family === 4 ? 32 : 128)) return err(badEntry(raw));
        addresses.addSubnet(address, bits, type);
      }
    } else if (HOST_NAME.test(entry)) names.add(entry);
    else return err(badEntry(raw));
    entries.push(entry);
  }
  return ok({ names, addresses, entries });
}

/** Lower case, no brackets around an IPv6 literal, no trailing dot. */
export function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  const bare = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return bare.endsWith('.') ? bare.slice(0, -1) : bare;
}

const badEntry = (entry: string): QuarryError => ({
  code: 'net.bad_allow_list',
  message: `"${entry.trim().slice(0, 100)}" is not a host name, an IP address or a CIDR range`,
  hint: 'List host names, addresses or ranges separated by commas, such as localhost,10.20.0.0/16',
});

/**
 * Loopback only: what the embedded demo (its own warehouse on 127.0.0.1) and the tests' local
 * servers need, and nothing else.
 */
export const LOOPBACK_ALLOW_LIST: AllowList = (() => {
  const parsed = parseAllowList('127.0.0.1,::1,localhost');
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
})();
