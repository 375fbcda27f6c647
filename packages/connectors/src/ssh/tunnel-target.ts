import { BlockList, isIP } from 'node:net';
import { err, ok, type Result } from '@quarry/contracts';
import { normalizeHost, REFUSED_NAMES } from '@quarry/net-policy';
import type { ConnectorError } from '../types';

/**
 * What a tunnel still refuses as its target (best effort, the bastion is the real boundary): the
 * clouds' metadata services and link-local addresses, spelled as a literal. Loopback and private
 * addresses are allowed: reaching the bastion's own network is the point of a tunnel. A name is
 * resolved by the bastion, not here, so one that resolves to a metadata address passes: restrict
 * what the SSH user may forward on the bastion (`PermitOpen`).
 */
const METADATA = (() => {
  const list = new BlockList();
  list.addSubnet('169.254.0.0', 16, 'ipv4');
  list.addSubnet('fe80::', 10, 'ipv6');
  list.addAddress('fd00:ec2::254', 'ipv6');
  // Alibaba Cloud's metadata service, outside link-local.
  list.addAddress('100.100.100.200', 'ipv4');
  return list;
})();

/**
 * The target as sent to the bastion: an address in its canonical spelling (the URL parser reads
 * `2852039166`, `0xa9fea9fe` and `0251.0376.0251.0376` as `169.254.169.254`, as the bastion's
 * resolver would), or the name as entered.
 */
export function checkTunnelTarget(host: string): Result<string, ConnectorError> {
  const name = normalizeHost(host);
  const canonical = canonicalAddress(name);
  const refused =
    REFUSED_NAMES.has(name) && name !== 'localhost'
      ? true
      : canonical !== null && METADATA.check(canonical, isIP(canonical) === 6 ? 'ipv6' : 'ipv4');
  if (refused) {
    return err({
      code: 'ssh.target_refused',
      message: 'Quarry does not connect to metadata or link-local addresses, through an SSH tunnel either',
      hint: "Enter the database server's name or address as the SSH server reaches it",
      kind: 'user',
      transient: false,
    });
  }
  return ok(canonical ?? name);
}

function canonicalAddress(name: string): string | null {
  if (isIP(name)) return name;
  // Only all-numeric spellings can be an IPv4 address in disguise; a real name is left to the bastion.
  if (!/^[0-9a-fx.]+$/i.test(name) || !/^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+))*$/i.test(name))
    return null;
  try {
    const parsed = new URL(`http://${name}/`).hostname;
    return isIP(parsed) === 4 ? parsed : null;
  } catch {
    return null;
  }
}
