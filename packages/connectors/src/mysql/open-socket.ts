import { once } from 'node:events';
import { connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { resolveAndCheckHost } from '@quarry/net-policy';
import { reachesOwnDatabase } from '../postgres/own-database';
import type { ConnectContext } from '../registry/connector';
import type { MysqlConfig } from './kind';

export const CONNECT_TIMEOUT_MS = 10_000;

export const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

/**
 * Opens the byte stream the driver speaks MySQL over; the driver never opens one itself. Through
 * the connection's tunnel when the context has a dialer; otherwise a TCP socket to the address
 * checked now, at connect time (CONN-2), so a name cannot resolve to something else between the
 * check and the connect. TLS is negotiated by the driver inside the MySQL handshake, over this
 * stream (MySQL starts TLS after the server's greeting, unlike PostgreSQL's SSLRequest first).
 */
export async function openMysqlSocket(
  config: Pick<MysqlConfig, 'host' | 'port' | 'database'>,
  context: Pick<ConnectContext, 'allow' | 'ownDatabase' | 'dial' | 'signal'>,
): Promise<Duplex> {
  const timeout = AbortSignal.timeout(CONNECT_TIMEOUT_MS);
  const signal = context.signal ? AbortSignal.any([context.signal, timeout]) : timeout;
  if (context.dial) {
    try {
      return await context.dial({ host: config.host, port: config.port }, signal);
    } catch (error) {
      if (timeout.aborted) throw failure('CONNECT_TIMEOUT', 'connecting timed out');
      throw error;
    }
  }
  const checked = await resolveAndCheckHost(config.host, { allow: context.allow });
  if (!checked.ok) throw failure(checked.error.code, checked.error.message);
  const [target] = checked.value;
  if (!target) throw failure('net.unresolvable', 'the host has no address');
  // Allowing a loopback warehouse must not open the way to Quarry's own database.
  if (
    context.ownDatabase &&
    (await reachesOwnDatabase(
      { address: target.address, port: config.port, database: config.database },
      context.ownDatabase,
    ))
  ) {
    throw failure('net.own_database', "the connection points at Quarry's own database");
  }
  const socket = tcpConnect({ host: target.address, port: config.port, family: target.family });
  try {
    await once(socket, 'connect', { signal });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    return socket;
  } catch (error) {
    socket.destroy();
    if (timeout.aborted) throw failure('CONNECT_TIMEOUT', 'connecting timed out');
    throw error;
  }
}
