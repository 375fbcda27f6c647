import { createHash } from 'node:crypto';
import type { ConnectorError } from '../types';

/** A host key's fingerprint as OpenSSH prints it (`ssh-keygen -lf`): `SHA256:` and unpadded base64. */
export const fingerprintOf = (keyBlob: Buffer): string =>
  `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;

/** A pinned fingerprint as stored, compared without the padding some tools print. */
export const sameFingerprint = (a: string, b: string): boolean =>
  a.trim().replace(/=+$/, '') === b.trim().replace(/=+$/, '');

/**
 * The refusal when the SSH server presents another key than the one pinned: it may be a replaced
 * server, or someone in the middle. Both fingerprints are shown (they are not secrets) so an Admin
 * can compare them with what the server's administrator reads on the server.
 */
export const hostKeyChanged = (pinned: string, presented: string): ConnectorError => ({
  code: 'ssh.host_key_changed',
  message: `The SSH server's host key has changed: Quarry pinned ${pinned}, the server now presents ${presented}. Quarry refused to connect, as someone may be intercepting the connection`,
  hint: "If the key was changed on purpose (a rebuilt or replaced SSH server), have its administrator confirm the new fingerprint (ssh-keygen -lf on the server's host key .pub file); then an Admin chooses Forget host key in the connection's settings and tests the connection, which pins the new key",
  details: { pinned, presented },
  kind: 'system',
  transient: false,
});
