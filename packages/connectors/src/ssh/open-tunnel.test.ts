import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { EMPTY_ALLOW_LIST, LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import mysql from 'mysql2/promise';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorError } from '../types';
import { TunnelDialError, tunnelErrorOf } from './errors';
import type { SshTunnelConfig } from './fields';
import { openTunnel, type Tunnel } from './open-tunnel';
import { generateKey, sshdAvailable, startSshd, type TestSshd } from './testing/sshd';

const POSTGRES = { host: '127.0.0.1', port: 5432 };
const MARIADB = { host: '127.0.0.1', port: 3306 };
const TIMEOUT_MS = 5_000;

let sshd: TestSshd;
let config: SshTunnelConfig;

/** Every tunnel a test opens, closed after it even when it fails. */
const opened: Tunnel[] = [];

async function open(overrides: Partial<SshTunnelConfig> = {}, pinnedHostKey?: string | null) {
  const result = await openTunnel(
    { ...config, ...overrides },
    { allow: LOOPBACK, timeoutMs: TIMEOUT_MS, ...(pinnedHostKey !== undefined ? { pinnedHostKey } : {}) },
  );
  if (result.ok) opened.push(result.value);
  return result;
}

async function openOrFail(overrides: Partial<SshTunnelConfig> = {}, pinnedHostKey?: string | null) {
  const result = await open(overrides, pinnedHostKey);
  if (!result.ok) throw new Error(`tunnel refused: ${result.error.code} ${result.error.internal ?? ''}`);
  return result.value;
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  const failure = tunnelErrorOf(error);
  if (!failure) throw new Error(`expected a tunnel error, got ${String(error)}`);
  return failure;
}

/** sshd's sessions end shortly after the client leaves: wait for the count to settle. */
async function sessionsSettleAt(expected: number): Promise<number> {
  const until = Date.now() + 5_000;
  while (sshd.sessions() !== expected && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  return sshd.sessions();
}

const signal = () => AbortSignal.timeout(10_000);

describe.skipIf(!sshdAvailable(process.env.CI === 'true'))('openTunnel against a real OpenSSH server', () => {
  beforeAll(async () => {
    sshd = await startSshd();
    config = { host: sshd.host, port: sshd.port, username: sshd.username, privateKey: sshd.key.privateKey };
  });

  afterAll(async () => {
    await Promise.all(opened.map((tunnel) => tunnel.close()));
    await sshd?.stop();
  });

  it('reaches PostgreSQL through the tunnel and reports the host key as OpenSSH prints it', async () => {
    const tunnel = await openOrFail();
    expect(tunnel.hostKey).toBe(sshd.hostKey);
    expect(tunnel.hostKey).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    // postgres.js takes a socket factory (its `socket` option), which its types leave out.
    const viaTunnel: Record<string, unknown> = { socket: () => tunnel.dial(POSTGRES, signal()) };
    const sql = postgres({
      user: 'postgres',
      database: 'postgres',
      max: 1,
      onnotice: () => {},
      ...viaTunnel,
    });
    try {
      const [row] = await sql<{ answer: number; version: string }[]>`
        select ${41}::int + 1 as answer, current_setting('server_version') as version`;
      expect(row?.answer).toBe(42);
      expect(row?.version).toMatch(/^\d+/);
      // The database sees the SSH server as its client; here both are on loopback.
      const [peer] = await sql<{ addr: string }[]>`select host(inet_client_addr()) as addr`;
      expect(peer?.addr).toBe('127.0.0.1');
      expect(sshd.sessions()).toBe(1);
    } finally {
      await sql.end({ timeout: 1 });
      await tunnel.close();
    }
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('reaches MariaDB through the tunnel, with bound parameters', async () => {
    const tunnel = await openOrFail();
    const stream = await tunnel.dial(MARIADB, signal());
    const connection = await mysql.createConnection({ stream, user: 'root', database: 'test' });
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>(
        'select ? + 1 as answer, version() as version',
        [41],
      );
      expect(Number(rows[0]?.answer)).toBe(42);
      expect(String(rows[0]?.version)).toMatch(/MariaDB/i);
    } finally {
      connection.destroy();
      await tunnel.close();
    }
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('opens several channels over one SSH session, as a pool and a cancel need', async () => {
    const tunnel = await openOrFail();
    const streams = await Promise.all([1, 2, 3].map(() => tunnel.dial(POSTGRES, signal())));
    expect(streams).toHaveLength(3);
    expect(sshd.sessions()).toBe(1);
    // A driver reads its stream; the channel's close follows its end.
    const ended = Promise.all(streams.map((stream) => once(stream.resume(), 'close')));
    await tunnel.close();
    await ended;
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('accepts the pinned host key, and refuses another one showing both fingerprints', async () => {
    const pinnedRight = await openOrFail({}, sshd.hostKey);
    expect(pinnedRight.hostKey).toBe(sshd.hostKey);
    await pinnedRight.close();

    const other = generateKey(sshd.dir).fingerprint;
    const before = sshd.log().length;
    const refused = await open({}, other);
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.error.code).toBe('ssh.host_key_changed');
    expect(refused.error.message).toContain(other);
    expect(refused.error.message).toContain(sshd.hostKey);
    expect(refused.error.details).toEqual({ pinned: other, presented: sshd.hostKey });
    expect(refused.error.hint).toMatch(/Forget host key/);
    // Refused during the key exchange: nothing signed in.
    await sessionsSettleAt(0);
    expect(sshd.log().slice(before)).toMatch(/Connection from 127\.0\.0\.1/);
    expect(sshd.log().slice(before)).not.toMatch(/Accepted publickey/);
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('refuses a private key the SSH server does not know, and a user it does not have', async () => {
    const stranger = generateKey(sshd.dir);
    const wrongKey = await open({ privateKey: stranger.privateKey });
    expect(wrongKey.ok).toBe(false);
    if (!wrongKey.ok) {
      expect(wrongKey.error.code).toBe('ssh.auth_failed');
      expect(wrongKey.error.message).toBe('The SSH server refused the user name or private key');
      expect(wrongKey.error.hint).toMatch(/authorized_keys/);
    }
    const wrongUser = await open({ username: 'quarry-nobody' });
    expect(wrongUser.ok || wrongUser.error.code).toBe('ssh.auth_failed');
    expect(await sessionsSettleAt(0)).toBe(0);
  });

  it('signs in with an encrypted key and its passphrase, and says when the passphrase is wrong or missing', async () => {
    for (const options of [{}, { type: 'rsa' as const, pem: true }]) {
      const encrypted = generateKey(sshd.dir, { passphrase: 'open sesame', ...options });
      sshd.authorize(encrypted.publicKey);
      const right = await openOrFail({ privateKey: encrypted.privateKey, passphrase: 'open sesame' });
      expect(right.hostKey).toBe(sshd.hostKey);
      await right.close();

      const wrong = await open({ privateKey: encrypted.privateKey, passphrase: 'open sesamE' });
      expect(wrong.ok || wrong.error).toMatchObject({
        code: 'ssh.key_passphrase',
        message: 'The passphrase does not decrypt this private key',
      });
      const missing = await open({ privateKey: encrypted.privateKey });
      expect(missing.ok || missing.error).toMatchObject({
        code: 'ssh.key_passphrase',
        message: 'This private key is encrypted and no passphrase was given',
      });
      if (!wrong.ok) expect(JSON.stringify(wrong.error)).not.toContain('sesam');
    }
  });

  it('says the target is unreachable when the SSH server cannot connect to it, and the tunnel stays usable', async () => {
    const closedPort = await unusedPort();
    const tunnel = await openOrFail();
    const failure = await failureOf(tunnel.dial({ host: '127.0.0.1', port: closedPort }, signal()));
    expect(failure.code).toBe('ssh.target_unreachable');
    expect(failure.message).toBe('The SSH server could not connect to the database host and port');
    expect(failure.message).not.toContain(String(closedPort));
    const unresolvable = await failureOf(tunnel.dial({ host: 'no-such-host.invalid', port: 5432 }, signal()));
    expect(unresolvable.code).toBe('ssh.target_unreachable');
    const stream = await tunnel.dial(POSTGRES, signal());
    expect(await banner(stream)).toBe('N'); // PostgreSQL's answer to an SSL request: no TLS here
    await tunnel.close();
  });

  it('refuses a metadata or link-local target before asking the SSH server, in any spelling', async () => {
    const tunnel = await openOrFail();
    for (const host of [
      '169.254.169.254',
      '2852039166',
      '0xa9fea9fe',
      '0251.0376.0251.0376',
      'metadata.google.internal',
      'fe80::1',
      '::ffff:169.254.169.254',
    ]) {
      const failure = await failureOf(tunnel.dial({ host, port: 80 }, signal()));
      expect(failure.code, host).toBe('ssh.target_refused');
    }
    await tunnel.close();
  });

  it('refuses the SSH host by the address policy (CONN-2), before connecting', async () => {
    const before = sshd.log().length;
    const loopback = await openTunnel(config, { allow: EMPTY_ALLOW_LIST, timeoutMs: TIMEOUT_MS });
    expect(loopback.ok || loopback.error.code).toBe('ssh.address_refused');
    for (const host of ['169.254.169.254', '2130706433', '0x7f000001', 'localhost', '::ffff:127.0.0.1']) {
      const refused = await openTunnel(
        { ...config, host },
        { allow: EMPTY_ALLOW_LIST, timeoutMs: TIMEOUT_MS },
      );
      expect(refused.ok || refused.error.code, host).toBe('ssh.address_refused');
    }
    // The loopback allow list allows loopback, not the metadata service.
    const metadata = await openTunnel(
      { ...config, host: '169.254.169.254' },
      { allow: LOOPBACK, timeoutMs: TIMEOUT_MS },
    );
    expect(metadata.ok || metadata.error.code).toBe('ssh.address_refused');
    await new Promise((r) => setTimeout(r, 200));
    expect(sshd.log().slice(before)).not.toMatch(/Connection from/);
  });

  it('names an SSH port with nothing listening, a server that never speaks, and one that is not SSH', async () => {
    const closedPort = await unusedPort();
    const unreachable = await open({ port: closedPort });
    expect(unreachable.ok || unreachable.error.code).toBe('ssh.unreachable');

    const silent = await listen(() => {});
    const started = performance.now();
    const timedOut = await openTunnel({ ...config, port: silent.port }, { allow: LOOPBACK, timeoutMs: 800 });
    expect(timedOut.ok || timedOut.error.code).toBe('ssh.timeout');
    // Bounded by the 800 ms asked for, not waiting for good; with room for a loaded machine.
    expect(performance.now() - started).toBeLessThan(10_000);

    const http = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const notSsh = await openTunnel(
      { ...config, port: http.port },
      { allow: LOOPBACK, timeoutMs: TIMEOUT_MS },
    );
    expect(notSsh.ok || notSsh.error.code).toBe('ssh.handshake_failed');
    if (!notSsh.ok) expect(notSsh.error.message).not.toContain(String(http.port));
    await Promise.all([silent.close(), http.close()]);
  });

  it('stops opening when the caller cancels', async () => {
    const silent = await listen(() => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const cancelled = await openTunnel(
      { ...config, port: silent.port },
      { allow: LOOPBACK, timeoutMs: TIMEOUT_MS, signal: controller.signal },
    );
    expect(cancelled.ok || cancelled.error.code).toBe('run.cancelled');
    await silent.close();
  });

  it('refuses to dial once closed, and leaves no session behind', async () => {
    const tunnel = await openOrFail();
    expect(sshd.sessions()).toBe(1);
    await tunnel.close();
    const failure = await failureOf(tunnel.dial(POSTGRES, signal()));
    expect(failure.code).toBe('ssh.unreachable');
    expect(await sessionsSettleAt(0)).toBe(0);
    await expect(tunnel.dial(POSTGRES, signal())).rejects.toBeInstanceOf(TunnelDialError);
  });
});

describe.skipIf(!sshdAvailable(process.env.CI === 'true'))('a bastion that restricts forwarding', () => {
  let restricted: TestSshd;
  beforeAll(async () => {
    restricted = await startSshd({ config: ['PermitOpen 127.0.0.1:5432'] });
  });
  afterAll(async () => {
    await restricted?.stop();
  });

  it('says the SSH server does not allow forwarding to a target outside PermitOpen', async () => {
    const result = await openTunnel(
      {
        host: restricted.host,
        port: restricted.port,
        username: restricted.username,
        privateKey: restricted.key.privateKey,
      },
      { allow: LOOPBACK, timeoutMs: TIMEOUT_MS },
    );
    if (!result.ok) throw new Error(result.error.code);
    const tunnel = result.value;
    try {
      const failure = await failureOf(tunnel.dial(MARIADB, signal()));
      expect(failure.code).toBe('ssh.target_unreachable');
      expect(failure.message).toBe('The SSH server does not allow forwarding to the database host and port');
      expect(await banner(await tunnel.dial(POSTGRES, signal()))).toBe('N');
    } finally {
      await tunnel.close();
    }
  });
});

/** PostgreSQL's one-byte answer to an SSL request: proof that the stream reaches PostgreSQL. */
async function banner(stream: Duplex): Promise<string> {
  stream.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
  const [reply] = (await once(stream, 'data')) as [Buffer];
  stream.destroy();
  return reply.subarray(0, 1).toString('latin1');
}

async function unusedPort(): Promise<number> {
  const server = await listen(() => {});
  await server.close();
  return server.port;
}

async function listen(onConnection: (socket: import('node:net').Socket) => void) {
  const sockets = new Set<import('node:net').Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}
