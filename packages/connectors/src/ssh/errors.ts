import type { ConnectorError } from '../types';

type Ssh2Error = Error & { level?: string; code?: string; reason?: number | string };

const failure = (
  code: string,
  message: string,
  hint: string,
  transient: boolean,
  internal?: string,
): ConnectorError => ({
  code,
  message,
  hint,
  kind: 'system',
  transient,
  ...(internal ? { internal: internal.slice(0, 300) } : {}),
});

export const sshTimeout = (timeoutMs: number, internal?: string) =>
  failure(
    'ssh.timeout',
    `The SSH server did not complete the sign-in within ${Math.round(timeoutMs / 100) / 10} s`,
    'Check the SSH host and port, and that the SSH server accepts connections from Quarry',
    true,
    internal,
  );

export const sshUnreachable = (internal?: string) =>
  failure(
    'ssh.unreachable',
    'Quarry could not reach the SSH server',
    'Check the SSH host and port, and that the SSH server accepts connections from Quarry',
    true,
    internal,
  );

export const sshClosed = (internal?: string) =>
  failure(
    'ssh.unreachable',
    'The SSH connection closed',
    'Try again; if it keeps happening, check the SSH server (its logs say why it closed the connection)',
    true,
    internal,
  );

/**
 * An error ssh2 emitted while connecting, signing in or opening the tunnel, as a typed error. ssh2
 * tags its errors with a `level`; its text names addresses and algorithms, so it goes to `internal`.
 */
export function toSshError(error: unknown, context: { timeoutMs: number }): ConnectorError {
  const e = (error instanceof Error ? error : new Error(String(error))) as Ssh2Error;
  const internal = e.message;
  if (e.level === 'client-authentication') {
    return failure(
      'ssh.auth_failed',
      'The SSH server refused the user name or private key',
      "Check the SSH user name, and that the key's public half (its .pub file) is in that user's ~/.ssh/authorized_keys on the SSH server",
      false,
      internal,
    );
  }
  if (e.level === 'client-timeout') return sshTimeout(context.timeoutMs, internal);
  if (e.level === 'client-socket' || e.level === 'client-dns') return sshUnreachable(internal);
  if (e.level === 'handshake' || e.level === 'protocol') {
    return failure(
      'ssh.handshake_failed',
      'The server at the SSH host and port did not complete an SSH handshake',
      'Check the SSH host and port (is an SSH server listening there?); an SSH server too old for current key exchange algorithms is refused',
      false,
      internal,
    );
  }
  return sshClosed(internal);
}

/** A channel the SSH server would not open: it could not connect to the target, or may not. */
export function toDialError(error: unknown): ConnectorError {
  const e = (error instanceof Error ? error : new Error(String(error))) as Ssh2Error;
  // RFC 4254 5.1: 1 administratively prohibited, 2 connect failed, 3 unknown type, 4 resource shortage.
  if (e.reason === 1) {
    return failure(
      'ssh.target_unreachable',
      'The SSH server does not allow forwarding to the database host and port',
      'Allow TCP forwarding for the SSH user on the SSH server (AllowTcpForwarding, PermitOpen), or check the database host and port',
      false,
      e.message,
    );
  }
  if (e.reason === 2 || e.reason === 4) {
    return failure(
      'ssh.target_unreachable',
      'The SSH server could not connect to the database host and port',
      'Check the database host and port as the SSH server sees them (the host is resolved on the SSH server), and that the database accepts connections from it',
      true,
      e.message,
    );
  }
  return sshClosed(e.message);
}

/**
 * What a tunnel's dialer throws: drivers expect a dialer to reject with an Error, and connectors
 * turn it back into its typed error (`tunnelErrorOf`).
 */
export class TunnelDialError extends Error {
  readonly code: string;
  constructor(readonly failure: ConnectorError) {
    super(failure.message);
    this.name = 'TunnelDialError';
    this.code = failure.code;
  }
}

/** The tunnel's typed error in what a driver threw, when the tunnel is why it failed. */
export function tunnelErrorOf(error: unknown): ConnectorError | undefined {
  if (error instanceof TunnelDialError) return error.failure;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof TunnelDialError ? cause.failure : undefined;
}
