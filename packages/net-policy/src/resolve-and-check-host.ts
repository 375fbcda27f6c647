import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { err, ok, type QuarryError, type Result } from '@quarry/contracts';
import { type AllowList, normalizeHost } from './allow-list';
import { REFUSED_NAMES, REFUSED_RANGES } from './refused-ranges';

export type CheckedAddress = { address: string; family: 4 | 6 };

/**
 * The typed refusal. `message` is safe to show; `details` names the host and the address, which
 * the caller logs and decides whether to show (SSO discovery shows neither).
 */
export type AddressRefused = QuarryError & {
  code: 'net.address_refused' | 'net.unresolvable';
  details: { host: string; address: string | null };
};

/**
 * Resolves `host` (every address, as the operating system would) and checks each one: a host is
 * usable only when none of its addresses is refused, or the Admin allowed the name or the addresses.
 * Numeric spellings (`2130706433`, `0x7f000001`, `0177.0.0.1`) resolve to the address they mean, so
 * checking what the resolver returns catches them. Connect only to the addresses returned here.
 */
export async function resolveAndCheckHost(
  host: string,
  options: { allow: AllowList },
): Promise<Result<CheckedAddress[], AddressRefused>> {
  const name = normalizeHost(host);
  if (!name) return err(unresolvable(host));
  const allowedByName = options.allow.names.has(name);
  if (REFUSED_NAMES.has(name) && !allowedByName) return err(refused(host, null));
  let resolved: CheckedAddress[];
  try {
    const answers = await lookup(name, { all: true, verbatim: true });
    resolved = answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } catch {
    return err(unresolvable(host));
  }
  if (resolved.length === 0) return err(unresolvable(host));
  if (allowedByName) return ok(resolved);
  for (const candidate of resolved) {
    if (!isAddressAllowed(candidate, options.allow)) return err(refused(host, candidate.address));
  }
  return ok(resolved);
}

/** Whether one resolved address may be connected to under the policy. */
export function isAddressAllowed(candidate: CheckedAddress, allow: AllowList): boolean {
  const type = candidate.family === 6 ? 'ipv6' : 'ipv4';
  if (isIP(candidate.address) !== candidate.family) return false;
  if (allow.addresses.check(candidate.address, type)) return true;
  return !REFUSED_RANGES.check(candidate.address, type);
}

const refused = (host: string, address: string | null): AddressRefused => ({
  code: 'net.address_refused',
  message: 'Quarry does not connect to internal, loopback or link-local addresses',
  hint: 'An administrator can allow a private host in QUARRY_ALLOWED_PRIVATE_HOSTS',
  details: { host, address },
});

const unresolvable = (host: string): AddressRefused => ({
  code: 'net.unresolvable',
  message: 'The host name could not be resolved',
  hint: 'Check the host name',
  details: { host, address: null },
});
