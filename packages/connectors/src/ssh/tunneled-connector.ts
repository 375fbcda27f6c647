import { err, ok, type Result } from '@quarry/contracts';
import type { PassthroughEvent } from '../postgres/copy-stream';
import type { BoundConnector } from '../registry/bound-connector';
import type { ConnectContext, Dialer, StreamRequest, TestOutcome } from '../registry/connector';
import type { ConnectorError, StreamEvent } from '../types';
import { tunnelErrorOf } from './errors';
import type { SshTunnelConfig } from './fields';
import { openTunnel, type Tunnel } from './open-tunnel';

/** The longest a tunnel takes to open, whatever the statement timeout of the run it serves. */
export const TUNNEL_OPEN_TIMEOUT_MS = 10_000;

/** How a connection's SSH host key is pinned: trust on the first successful test, checked after. */
export type HostKeyPin = {
  /** The fingerprint pinned for this connection (`SHA256:…`), or null when none is yet. */
  pinned: string | null;
  /**
   * A test accepts an unpinned server and reports its key (the caller pins it when the test
   * passes); a run, an introspection or a cancel refuses one, so no query ever goes through a
   * server nobody has looked at.
   */
  purpose: 'test' | 'use';
};

/** A test's outcome through a tunnel: the SSH server's host key fingerprint as well. */
export type TunneledTestOutcome = TestOutcome & { sshHostKey?: string };

export const hostKeyNotPinned = (): ConnectorError => ({
  code: 'ssh.host_key_not_pinned',
  message: "The SSH server's host key is not pinned yet",
  hint: "Test the connection to pin the SSH server's host key (an Admin, in Settings → Data sources)",
  kind: 'system',
  transient: false,
});

/**
 * A connector that reaches its database through an SSH tunnel: every call opens the tunnel, hands
 * the connector the tunnel's dialer (`context.dial`) and closes the tunnel when the call is done,
 * so nothing of one run's SSH session outlives it.
 */
export function withTunnel(bound: BoundConnector, tunnel: SshTunnelConfig, pin: HostKeyPin): BoundConnector {
  const open = async (context: ConnectContext): Promise<Result<Tunnel, ConnectorError>> => {
    if (pin.purpose === 'use' && pin.pinned === null) return err(hostKeyNotPinned());
    return openTunnel(tunnel, {
      allow: context.allow,
      pinnedHostKey: pin.pinned,
      timeoutMs: Math.min(context.timeoutMs, TUNNEL_OPEN_TIMEOUT_MS),
      ...(context.signal ? { signal: context.signal } : {}),
    });
  };
  const through = async <T>(
    context: ConnectContext,
    call: (context: ConnectContext, tunnel: Tunnel) => Promise<Result<T, ConnectorError>>,
  ): Promise<Result<T, ConnectorError>> => {
    const opened = await open(context);
    if (!opened.ok) return opened;
    const dialed = watchDials(opened.value);
    try {
      const result = await call({ ...context, dial: dialed.dial }, opened.value);
      return result.ok ? result : err(dialed.failure() ?? result.error);
    } finally {
      await opened.value.close();
    }
  };
  const text = bound.streamText;
  return {
    declaration: bound.declaration,
    test: (context) =>
      through(context, async (tunneled, tunnel) => {
        const outcome = await bound.test(tunneled);
        return outcome.ok
          ? ok<TunneledTestOutcome>({ ...outcome.value, sshHostKey: tunnel.hostKey })
          : outcome;
      }),
    introspect: (filter, context) => through(context, (tunneled) => bound.introspect(filter, tunneled)),
    cancel: (tag, context) => through(context, (tunneled) => bound.cancel(tag, tunneled)),
    cancelSession: (key, context) => through(context, (tunneled) => bound.cancelSession(key, tunneled)),
    stream: (request, context) => streamThrough(open, (tunneled) => bound.stream(request, tunneled), context),
    // The server's own text passes through the tunnel as it would directly (PostgreSQL's COPY).
    ...(text
      ? {
          streamText: (request: StreamRequest, context: ConnectContext) =>
            streamThrough(open, (tunneled) => text(request, tunneled), context),
        }
      : {}),
  };
}

/** A stream (cells or the server's text) through a tunnel opened for it and closed after it. */
async function* streamThrough<E extends StreamEvent | PassthroughEvent>(
  open: (context: ConnectContext) => Promise<Result<Tunnel, ConnectorError>>,
  stream: (context: ConnectContext) => AsyncGenerator<E>,
  context: ConnectContext,
): AsyncGenerator<E | { type: 'error'; error: ConnectorError }> {
  const opened = await open(context);
  if (!opened.ok) {
    yield { type: 'error', error: opened.error };
    return;
  }
  const dialed = watchDials(opened.value);
  try {
    for await (const event of stream({ ...context, dial: dialed.dial })) {
      yield event.type === 'error' ? { type: 'error', error: dialed.failure() ?? event.error } : event;
    }
  } finally {
    await opened.value.close();
  }
}

/**
 * The tunnel's dialer, remembering why a dial failed: a driver reports a stream it could not get
 * in its own words (a lost connection), while the tunnel knows the cause (the SSH server could not
 * reach the database), which is what the person should read.
 */
function watchDials(tunnel: Tunnel): { dial: Dialer; failure: () => ConnectorError | undefined } {
  let failure: ConnectorError | undefined;
  return {
    dial: async (target, signal) => {
      try {
        return await tunnel.dial(target, signal);
      } catch (error) {
        failure ??= tunnelErrorOf(error);
        throw error;
      }
    },
    failure: () => failure,
  };
}
