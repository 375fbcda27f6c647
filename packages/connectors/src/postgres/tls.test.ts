import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { createCertificateAuthority, type Issued, issueClientCertificate } from '@quarry/certificates';
import { createTestWarehouse, type TestWarehouse, testTlsServer } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectContext } from '../registry/connector';
import type { PostgresConfig, StreamEvent } from '../types';
import { postgresConnector } from './connector';
import { postgresKind } from './kind';
import { openPostgresSocket } from './open-socket';

/**
 * TLS against real servers: the TLS test server (its certificate names `localhost` only, one role
 * signs in by client certificate) and the machine's PostgreSQL on 5432, which has TLS off.
 */
const connector = postgresConnector(postgresKind);
const context: ConnectContext = { allow: LOOPBACK, timeoutMs: 10_000 };

let warehouse: TestWarehouse;
let base: PostgresConfig;
let otherCa: Issued;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 10 });
  base = { ...warehouse.settings, password: warehouse.reader.password };
  otherCa = await createCertificateAuthority('Not the warehouse CA');
}, 60_000);

afterAll(async () => {
  await warehouse?.drop();
});

const failureOf = async (config: PostgresConfig) => {
  const outcome = await connector.test(config, context);
  if (outcome.ok) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
};

const collect = async (config: PostgresConfig, sql: string) => {
  const events: StreamEvent[] = [];
  for await (const event of connector.stream(config, { sql, params: [], rowLimit: 10 }, context))
    events.push(event);
  return events;
};

/**
 * Whether the session `config` opens is encrypted, as the server sees it (pg_stat_ssl). The demo
 * reader may not read session statistics (the warehouse is hardened), so this signs in as the
 * warehouse's superuser through the same connector and the same TLS settings.
 */
const sessionEncrypted = async (config: PostgresConfig) => {
  const admin = new URL(warehouse.adminUrl);
  const events = await collect(
    { ...config, username: decodeURIComponent(admin.username), password: decodeURIComponent(admin.password) },
    'select ssl::text as ssl from pg_stat_ssl where pid = pg_backend_pid()',
  );
  const rows = events.find((e) => e.type === 'rows');
  return rows?.type === 'rows' ? rows.rows[0]?.[0] : JSON.stringify(events);
};

describe('PostgreSQL over TLS, against real servers', () => {
  it('refuses require when the server does not offer TLS (the machine’s server, ssl off), with connector.tls_unavailable', async () => {
    const error = await failureOf({
      host: '127.0.0.1',
      port: 5432,
      database: 'postgres',
      username: 'postgres',
      password: '',
      sslMode: 'require',
    });
    expect(error).toMatchObject({ code: 'connector.tls_unavailable', kind: 'system', transient: false });
    expect(error.hint).toMatch(/ssl = on/);
  });

  it('accepts verify-ca with the right CA, and the session is encrypted', async () => {
    const outcome = await connector.test(base, context);
    expect(outcome.ok && outcome.value.serverVersion).toMatch(/^\d+/);
    expect(await sessionEncrypted(base)).toBe('true');
  });

  it('refuses verify-ca with a CA that did not sign the server certificate, with connector.tls_untrusted', async () => {
    const error = await failureOf({ ...base, caCertificate: otherCa.certificate });
    expect(error).toMatchObject({ code: 'connector.tls_untrusted', transient: false });
  });

  it('refuses verify-full when the certificate does not name the host (issued for localhost, reached as 127.0.0.1)', async () => {
    const error = await failureOf({ ...base, host: '127.0.0.1', sslMode: 'verify-full' });
    expect(error).toMatchObject({ code: 'connector.tls_host_mismatch', transient: false });
  });

  it('accepts verify-full when the host is the name the certificate carries', async () => {
    const outcome = await connector.test({ ...base, host: 'localhost', sslMode: 'verify-full' }, context);
    expect(outcome.ok).toBe(true);
  });

  it('refuses verify-full without a CA against a private CA: the public authorities do not vouch for it', async () => {
    const { caCertificate: _ca, ...withoutCa } = base;
    const error = await failureOf({ ...withoutCa, host: 'localhost', sslMode: 'verify-full' });
    expect(error.code).toBe('connector.tls_untrusted');
  });

  it('accepts require without a CA: encrypted, certificate unchecked', async () => {
    const { caCertificate: _ca, ...withoutCa } = base;
    expect(await sessionEncrypted({ ...withoutCa, sslMode: 'require' })).toBe('true');
  });

  describe('a role that signs in by client certificate (pg_hba cert)', () => {
    const certUser = () => {
      const tls = testTlsServer();
      return {
        ...base,
        database: 'postgres',
        username: tls.client.user,
        password: '',
        clientCertificate: tls.client.certificate,
        clientKey: tls.client.privateKey,
      };
    };

    it('is let in with its certificate and key', async () => {
      const events = await collect(certUser(), 'select current_user::text as who');
      expect(events.find((e) => e.type === 'rows')).toEqual({
        type: 'rows',
        rows: [[testTlsServer().client.user]],
      });
    });

    it('is refused without a certificate, with connector.tls_client_certificate_refused', async () => {
      const { clientCertificate: _c, clientKey: _k, ...bare } = certUser();
      const error = await failureOf(bare);
      expect(error).toMatchObject({ code: 'connector.tls_client_certificate_refused', transient: false });
    });

    it('is refused with a certificate of its name from a CA the server does not trust', async () => {
      const forged = await issueClientCertificate(otherCa, { user: testTlsServer().client.user });
      const error = await failureOf({
        ...certUser(),
        clientCertificate: forged.certificate,
        clientKey: forged.privateKey,
      });
      expect(error.code, error.internal).toBe('connector.tls_client_certificate_refused');
    });
  });

  it("negotiates TLS over a dialer's stream (an SSH tunnel's channel), checking the name the connection names", async () => {
    const dialed: { host: string; port: number }[] = [];
    const dial = async (target: { host: string; port: number }) => {
      dialed.push(target);
      // A stand-in for the tunnel: the channel reaches the server wherever the name resolves.
      const socket = connect({ host: '127.0.0.1', port: target.port });
      await once(socket, 'connect');
      return socket;
    };
    const secure = await openPostgresSocket(
      { ...base, host: 'localhost', sslMode: 'verify-full' },
      LOOPBACK,
      undefined,
      dial,
    );
    try {
      expect(dialed).toEqual([{ host: 'localhost', port: base.port }]);
      expect(secure.authorized).toBe(true);
      expect(secure.getPeerCertificate().subject.CN).toBe('localhost');
    } finally {
      secure.destroy();
    }
    await expect(
      openPostgresSocket({ ...base, host: '127.0.0.1', sslMode: 'verify-full' }, LOOPBACK, undefined, dial),
    ).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it("refuses Quarry's own database on a server and still reaches the warehouse beside it (CONN-2), over TLS", async () => {
    // As npm start has it: Quarry's database and the demo warehouse on one server, loopback allowed.
    const own = { host: base.host, port: base.port, database: 'postgres' };
    const beside = await connector.test(base, { ...context, ownDatabase: own });
    expect(beside.ok).toBe(true);
    const error = await connector.test({ ...base, database: 'postgres' }, { ...context, ownDatabase: own });
    expect(!error.ok && error.error.code).toBe('net.address_refused');
  });

  it('never continues in plaintext: a server that declines TLS gets the SSLRequest and nothing else, no password', async () => {
    const received: Buffer[] = [];
    const server = createServer((socket: Socket) => {
      socket.on('data', (chunk) => {
        received.push(chunk);
        // `N`: no TLS here. A libpq in prefer mode would go on in plaintext with its startup message.
        if (received.length === 1) socket.write('N');
      });
      socket.on('error', () => {});
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const password = 'never-sent-in-clear';
      const error = await failureOf({
        ...base,
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        password,
        sslMode: 'require',
      });
      expect(error.code).toBe('connector.tls_unavailable');
      const bytes = Buffer.concat(received);
      // Exactly one SSLRequest per attempt: length 8, code 80877103.
      expect(bytes.length % 8).toBe(0);
      for (let offset = 0; offset < bytes.length; offset += 8) {
        expect(bytes.subarray(offset, offset + 8).toString('hex')).toBe('0000000804d2162f');
      }
      expect(bytes.toString('latin1')).not.toContain(password);
      expect(bytes.toString('latin1')).not.toContain(base.username);
    } finally {
      server.close();
    }
  });
});
