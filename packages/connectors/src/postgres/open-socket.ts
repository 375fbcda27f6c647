import { once } from 'node:events';
import { isIP, type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type AllowList, resolveAndCheckHost } from '@quarry/net-policy';
import type { PostgresConfig } from '../types';
import { type OwnDatabase, reachesOwnDatabase } from './own-database';

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const CONNECT_TIMEOUT_MS = 10_000;

const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

/**
 * Opens the socket the driver speaks PostgreSQL over, negotiating TLS here rather than in the
 * driver, so that what the driver reads is plaintext we can watch (the result guard) before the
 * driver buffers it. Same modes as before: `disable`, `require` (encrypted, unverified) and
 * `verify-full` (certificate and host name checked).
 */
export async function openPostgresSocket(
  config: Pick<PostgresConfig, 'host' | 'port' | 'sslMode' | 'database'>,
  allow: AllowList,
  ownDatabase?: OwnDatabase,
): Promise<Socket> {
  // CONN-2: resolved and checked now, at connect time, and the socket goes to the address checked,
  // so a name cannot resolve to something else between the check and the connect.
  const checked = await resolveAndCheckHost(config.host, { allow });
  if (!checked.ok) throw Object.assign(new Error(checked.error.message), { code: checked.error.code });
  const [target] = checked.value;
  if (!target) throw failure('net.unresolvable', 'the host has no address');
  // Allowing the demo warehouse's loopback host must not open the way to Quarry's own database.
  if (
    ownDatabase &&
    (await reachesOwnDatabase(
      { address: target.address, port: config.port, database: config.database },
      ownDatabase,
    ))
  ) {
    throw failure('net.own_database', "the connection points at Quarry's own database");
  }
  const signal = AbortSignal.timeout(CONNECT_TIMEOUT_MS);
  const raw = tcpConnect({ host: target.address, port: config.port, family: target.family });
  try {
    await once(raw, 'connect', { signal });
    if (config.sslMode === 'disable') return raw;
    raw.write(SSL_REQUEST);
    const [reply] = (await once(raw, 'data', { signal })) as [Buffer];
    if (reply[0] !== 0x53) {
      throw failure('TLS_REFUSED', 'the server does not accept TLS connections');
    }
    const secure = tlsConnect({
      socket: raw,
      host: config.host,
      ...(isIP(config.host) ? {} : { servername: config.host }),
      // The certificate is checked against the name the Admin entered, not the address.
      rejectUnauthorized: config.sslMode === 'verify-full',
    });
    await once(secure, 'secureConnect', { signal });
    return secure;
  } catch (error) {
    raw.destroy();
    if (signal.aborted) throw failure('CONNECT_TIMEOUT', 'connecting timed out');
    throw error;
  }
}
