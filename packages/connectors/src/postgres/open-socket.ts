import { once } from 'node:events';
import { isIP, connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { type AllowList, resolveAndCheckHost } from '@quarry/net-policy';
import type { Dialer } from '../registry/connector';
import { pemBlocks } from '../tls/pem-text';
import type { PostgresConfig } from '../types';
import { type OwnDatabase, reachesOwnDatabase } from './own-database';

const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
const CONNECT_TIMEOUT_MS = 10_000;

const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

export type PostgresTlsConfig = Pick<
  PostgresConfig,
  'host' | 'sslMode' | 'caCertificate' | 'clientCertificate' | 'clientKey'
>;

/**
 * Node's TLS options for a mode. `require` encrypts without checking the certificate; `verify-ca`
 * checks the chain against the pasted CA but not the name (what libpq's verify-ca does: a CA that
 * signs only this server's certificates makes the name moot); `verify-full` checks both, against the
 * pasted CA or, when none is pasted, the public authorities Node ships.
 */
export function postgresTlsOptions(config: PostgresTlsConfig): ConnectionOptions {
  const ca = config.caCertificate ? pemBlocks(config.caCertificate).map((block) => block.pem) : undefined;
  const client =
    config.clientCertificate && config.clientKey
      ? { cert: config.clientCertificate, key: config.clientKey }
      : {};
  const base: ConnectionOptions = {
    // SNI carries names only; an address is sent as none.
    ...(isIP(config.host.replace(/^\[|\]$/g, '')) ? {} : { servername: config.host }),
    host: config.host.replace(/^\[|\]$/g, ''),
    minVersion: 'TLSv1.2',
    ...client,
  };
  switch (config.sslMode) {
    case 'require':
      return { ...base, rejectUnauthorized: false };
    case 'verify-ca':
      // The chain is checked by OpenSSL (rejectUnauthorized); the host name is not.
      return { ...base, ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      // The certificate is checked against the name the Admin entered, not the address it resolved to.
      return { ...base, ...(ca ? { ca } : {}), rejectUnauthorized: true };
  }
}

/** The first bytes the server sends, or null when it closes the connection without a word. */
function firstReply(stream: Duplex, signal: AbortSignal): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const done = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onData = (chunk: Buffer) => {
      done();
      resolve(chunk);
    };
    const onEnd = () => {
      done();
      resolve(null);
    };
    const onError = (error: Error) => {
      done();
      reject(error);
    };
    const onAbort = () => {
      done();
      reject(signal.reason);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onEnd);
    stream.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Asks a PostgreSQL server on `stream` for TLS (SSLRequest) and completes the handshake as the mode
 * says. The server answering `N` does not offer TLS: refused, never continued in plaintext.
 */
export async function negotiatePostgresTls(
  stream: Duplex,
  config: PostgresTlsConfig,
  signal: AbortSignal,
): Promise<TLSSocket> {
  stream.write(SSL_REQUEST);
  const reply = await firstReply(stream, signal);
  // `N` is PostgreSQL declining TLS; anything else (an HTTP error page, a closed socket, an old
  // server's error message) is not a PostgreSQL server that speaks TLS.
  if (reply?.[0] === 0x4e) throw failure('TLS_REFUSED', 'the server does not accept TLS connections');
  if (reply?.[0] !== 0x53) {
    throw failure('HANDSHAKE_FAILED', 'the server did not answer the SSLRequest as PostgreSQL does');
  }
  if (reply.length > 1) {
    // Bytes after `S` before our ClientHello would be read as TLS by us: someone is in the middle.
    throw failure('TLS_REFUSED', 'the server sent data before the TLS handshake');
  }
  if (config.sslMode === 'verify-ca' && !config.caCertificate) {
    // Without a CA, verify-ca would check the chain against the public authorities and no name at all.
    throw failure('TLS_NO_CA', 'verify-ca without a CA certificate');
  }
  const secure = tlsConnect({ ...postgresTlsOptions(config), socket: stream });
  await once(secure, 'secureConnect', { signal });
  if (config.clientCertificate && secure.getProtocol() === 'TLSv1.3') watchClientCertificateVerdict(secure);
  return secure;
}

/**
 * Under TLS 1.3 the server judges the client certificate after the client's handshake is done, so
 * its refusal (an alert, then a close) races the startup message we send: the driver may see only
 * `write ECONNRESET`. A reset before the server sent a single byte, on a connection that presented
 * a client certificate, is that refusal, and is named so (a TLS 1.2 server refuses inside the
 * handshake, with the alert's own code).
 */
function watchClientCertificateVerdict(secure: TLSSocket): void {
  let answered = false;
  secure.prependListener('data', () => {
    answered = true;
  });
  secure.prependListener('error', (error: NodeJS.ErrnoException) => {
    if (!answered && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
      error.code = 'TLS_CLIENT_CERTIFICATE_CLOSED';
    }
  });
}

/**
 * Opens the socket the driver speaks PostgreSQL over, negotiating TLS here rather than in the
 * driver, so that what the driver reads is plaintext we can watch (the result guard) before the
 * driver buffers it. Every mode encrypts: `require`, `verify-ca` and `verify-full`.
 */
export async function openPostgresSocket(
  config: Pick<PostgresConfig, 'host' | 'port' | 'database'> & PostgresTlsConfig,
  allow: AllowList,
  ownDatabase?: OwnDatabase,
  dial?: Dialer,
): Promise<TLSSocket> {
  if (dial) {
    // Through an SSH tunnel: the dialer reaches host:port as the SSH server sees it (and checks the
    // target); TLS still runs end to end with the database, over the tunnel's channel.
    const signal = AbortSignal.timeout(CONNECT_TIMEOUT_MS);
    const channel = await dial({ host: config.host, port: config.port }, signal);
    try {
      return await negotiatePostgresTls(channel, config, signal);
    } catch (error) {
      channel.destroy();
      if (signal.aborted) throw failure('CONNECT_TIMEOUT', 'connecting timed out');
      throw error;
    }
  }
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
    return await negotiatePostgresTls(raw, config, signal);
  } catch (error) {
    raw.destroy();
    if (signal.aborted) throw failure('CONNECT_TIMEOUT', 'connecting timed out');
    throw error;
  }
}
