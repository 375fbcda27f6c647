import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Quarry's own PostgreSQL database, which no data connection may reach (CONN-2). */
export type OwnDatabase = { host: string; port: number; database: string };

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

const isLoopback = (address: string) => loopback.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');

/** Parses `DATABASE_URL` into what is compared; undefined when it names no host (a socket path). */
export function ownDatabaseFrom(url: string): OwnDatabase | undefined {
  try {
    const parsed = new URL(url);
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (!host || !database) return undefined;
    return { host, port: Number(parsed.port || 5432), database };
  } catch {
    return undefined;
  }
}

/**
 * Whether a connection about to be opened to `address` reaches Quarry's own database: the same
 * server (any loopback address counts as the same one when Quarry's is on loopback) on the same
 * port, and the same database name. A demo warehouse on the same server is another database, so it
 * stays reachable where the operator allowed its host.
 */
export async function reachesOwnDatabase(
  target: { address: string; port: number; database: string },
  own: OwnDatabase,
): Promise<boolean> {
  if (target.port !== own.port || target.database !== own.database) return false;
  let ownAddresses: string[];
  try {
    ownAddresses = isIP(own.host)
      ? [own.host]
      : (await lookup(own.host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    // Unresolvable now: refuse rather than guess (the name matched on port and database).
    return true;
  }
  if (ownAddresses.includes(target.address)) return true;
  return isLoopback(target.address) && ownAddresses.some(isLoopback);
}
