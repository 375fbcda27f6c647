import { once } from 'node:events';
import { connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { err, ok, type Result } from '@quarry/contracts';
import { type AllowList, resolveAndCheckHost } from '@quarry/net-policy';
import { type Channel, Client } from 'ssh2';
import type { Dialer } from '../registry/connector';
import type { ConnectorError } from '../types';
import { sshClosed, sshTimeout, sshUnreachable, TunnelDialError, toDialError, toSshError } from './errors';
import type { SshTunnelConfig } from './fields';
import { fingerprintOf, hostKeyChanged, sameFingerprint } from './host-key';
import { parsePrivateKey } from './private-key';
import { checkTunnelTarget } from './tunnel-target';

/**
 * An open SSH connection that forwards the driver's byte streams. `hostKey` is the server's key
 * fingerprint as OpenSSH prints it (`SHA256:…`): what the caller pins after a first successful
 * test. `close` ends every forwarded channel and the SSH session.
 */
export type Tunnel = { dial: Dialer; hostKey: string; close(): Promise<void> };

export type OpenTunnelOptions = {
  /** Private addresses the operator allowed (CONN-2), for the SSH host itself. */
  allow: AllowList;
  /** The fingerprint pinned for this connection; absent or null on a first test (trust on first use). */
  pinnedHostKey?: string | null;
  /** Bounds the TCP connect, the SSH handshake and sign-in together, and each channel's opening. */
  timeoutMs: number;
  signal?: AbortSignal;
};

const KEEPALIVE_MS = 15_000;
const CLOSE_WAIT_MS = 2_000;

const cancelled = (): ConnectorError => ({
  code: 'run.cancelled',
  message: 'The connection was cancelled',
  kind: 'user',
  transient: false,
});

/**
 * Opens an SSH tunnel for a connection. CONN-2 applies to the SSH host: resolved and checked now,
 * at connect time, and the TCP connection goes to the checked address. Behind the tunnel it is
 * the SSH server (the bastion) that resolves and connects to the database host: reaching the
 * bastion's private network is what a tunnel is for, so Quarry does not apply its address policy
 * to the target, except that a literal metadata or link-local address is still refused
 * (`checkTunnelTarget`). What the SSH user may reach is the bastion's to restrict (`PermitOpen`).
 */
export async function openTunnel(
  config: SshTunnelConfig,
  options: OpenTunnelOptions,
): Promise<Result<Tunnel, ConnectorError>> {
  const key = parsePrivateKey(config.privateKey, config.passphrase);
  if (!key.ok) return key;
  const checked = await resolveAndCheckHost(config.host, { allow: options.allow });
  if (!checked.ok) {
    // Codes of their own, so the form shows them beside the SSH host, not the database's.
    return err({
      code: checked.error.code === 'net.unresolvable' ? 'ssh.host_unresolvable' : 'ssh.address_refused',
      message:
        checked.error.code === 'net.unresolvable'
          ? 'The SSH host name does not resolve to an address'
          : 'Quarry does not connect to an SSH host at an internal, loopback, link-local or metadata address',
      hint:
        checked.error.code === 'net.unresolvable'
          ? 'Check the SSH host name in the connection settings'
          : "Use the SSH server's public name; an administrator can allow a private host in QUARRY_ALLOWED_PRIVATE_HOSTS",
      kind: 'user',
      transient: false,
      internal: `${checked.error.details.host} → ${checked.error.details.address ?? 'no address'}`,
    });
  }
  const [address] = checked.value;
  if (!address) return err(sshUnreachable('no address'));

  const deadline = AbortSignal.any([
    AbortSignal.timeout(options.timeoutMs),
    ...(options.signal ? [options.signal] : []),
  ]);
  const socket = tcpConnect({ host: address.address, port: config.port, family: address.family });
  socket.on('error', () => {}); // reported through `once` below, then through ssh2
  try {
    await once(socket, 'connect', { signal: deadline });
  } catch (error) {
    socket.destroy();
    if (options.signal?.aborted) return err(cancelled());
    if (deadline.aborted) return err(sshTimeout(options.timeoutMs));
    return err(sshUnreachable(error instanceof Error ? error.message : String(error)));
  }

  const client = new Client();
  const pinned = options.pinnedHostKey ?? null;
  let presented: string | null = null;
  let lastError: unknown = null;
  // Errors after the sign-in (a keepalive timeout) must not be unhandled; dials report them.
  client.on('error', (error) => {
    lastError = error;
  });
  const ready = await new Promise<Result<null, ConnectorError>>((resolve) => {
    const settle = (outcome: Result<null, ConnectorError>) => {
      deadline.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = () => {
      settle(err(options.signal?.aborted ? cancelled() : sshTimeout(options.timeoutMs)));
      client.end();
      socket.destroy();
    };
    deadline.addEventListener('abort', onAbort, { once: true });
    client.once('ready', () => settle(ok(null)));
    client.once('error', (error) => {
      if (pinned !== null && presented !== null && !sameFingerprint(pinned, presented)) {
        settle(err(hostKeyChanged(pinned, presented)));
      } else settle(err(toSshError(error, { timeoutMs: options.timeoutMs })));
    });
    client.once('close', () => settle(err(sshClosed())));
    try {
      client.connect({
        sock: socket,
        username: config.username,
        privateKey: config.privateKey.trim(),
        ...(config.passphrase ? { passphrase: config.passphrase } : {}),
        // The key's fingerprint is computed here, during the key exchange, before anything is
        // signed in or forwarded: a changed key ends the handshake.
        hostVerifier: (keyBlob: Buffer) => {
          presented = fingerprintOf(keyBlob);
          return pinned === null || sameFingerprint(pinned, presented);
        },
        readyTimeout: 0,
        keepaliveInterval: KEEPALIVE_MS,
        keepaliveCountMax: 3,
      });
    } catch (error) {
      settle(err(toSshError(error, { timeoutMs: options.timeoutMs })));
    }
  });
  if (!ready.ok || presented === null) {
    client.end();
    socket.destroy();
    return ready.ok ? err(sshClosed('no host key')) : ready;
  }

  const channels = new Set<Channel>();
  let closed = false;
  client.once('close', () => {
    closed = true;
  });

  const dial: Dialer = (target, signal) =>
    new Promise<Duplex>((resolve, reject) => {
      const fail = (failure: ConnectorError) => reject(new TunnelDialError(failure));
      const host = checkTunnelTarget(target.host);
      if (!host.ok) return fail(host.error);
      if (closed) return fail(sshClosed(lastError instanceof Error ? lastError.message : undefined));
      const bound = AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]);
      if (bound.aborted) return fail(signal.aborted ? cancelled() : sshTimeout(options.timeoutMs));
      let settled = false;
      const onAbort = () => {
        settled = true;
        fail(signal.aborted ? cancelled() : sshTimeout(options.timeoutMs));
      };
      bound.addEventListener('abort', onAbort, { once: true });
      try {
        // The originator address is informational (RFC 4254 7.2); the server logs it.
        client.forwardOut('127.0.0.1', 0, host.value, target.port, (error, channel) => {
          bound.removeEventListener('abort', onAbort);
          if (settled) {
            channel?.destroy();
            return;
          }
          settled = true;
          if (error) return fail(toDialError(error));
          channels.add(channel);
          channel.once('close', () => channels.delete(channel));
          resolve(channel);
        });
      } catch (error) {
        bound.removeEventListener('abort', onAbort);
        fail(sshClosed(error instanceof Error ? error.message : String(error)));
      }
    });

  const close = async () => {
    if (closed) return;
    closed = true;
    for (const channel of channels) channel.destroy();
    const gone = once(client, 'close', { signal: AbortSignal.timeout(CLOSE_WAIT_MS) }).catch(() => {});
    client.end();
    await gone;
    socket.destroy();
  };

  return ok({ dial, hostKey: presented, close });
}
