import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueClientCertificate, issueServerCertificate } from './issue';

/** Completes a TLS handshake against a real node TLS server; answers the client's error, if any. */
async function handshake(input: {
  server: { certificate: string; privateKey: string };
  ca: string;
  servername: string;
  clientCa?: string;
  client?: { certificate: string; privateKey: string };
}): Promise<{ ok: true; peerUser: string | null } | { ok: false; code: string }> {
  let peerUser: string | null = null;
  const server = createServer(
    {
      cert: input.server.certificate,
      key: input.server.privateKey,
      ...(input.clientCa ? { ca: input.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (socket) => {
      const peer = socket.getPeerCertificate();
      peerUser = peer?.subject?.CN ? String(peer.subject.CN) : null;
      socket.end();
    },
  );
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: input.servername,
      ca: input.ca,
      ...(input.client ? { cert: input.client.certificate, key: input.client.privateKey } : {}),
    });
    try {
      await once(socket, 'secureConnect');
      await once(socket, 'end');
      return { ok: true, peerUser };
    } catch (error) {
      return { ok: false, code: String((error as { code?: string }).code) };
    } finally {
      socket.destroy();
    }
  } finally {
    server.close();
  }
}

describe('certificates', () => {
  it('issues a server certificate that node verifies against its CA, for exactly the hosts named', async () => {
    const ca = await createCertificateAuthority('Quarry test CA');
    const server = await issueServerCertificate(ca, { hosts: ['localhost', '127.0.0.1'] });
    const parsed = new X509Certificate(server.certificate);
    expect(parsed.checkIssued(new X509Certificate(ca.certificate))).toBe(true);
    expect(parsed.checkHost('localhost')).toBe('localhost');
    expect(parsed.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(parsed.checkHost('db.example.com')).toBeUndefined();
    expect(new X509Certificate(ca.certificate).ca).toBe(true);
    expect(parsed.ca).toBe(false);
    expect(await handshake({ server, ca: ca.certificate, servername: 'localhost' })).toEqual({
      ok: true,
      peerUser: null,
    });
  });

  it('issues certificates that another CA does not vouch for', async () => {
    const ca = await createCertificateAuthority('Quarry test CA');
    const other = await createCertificateAuthority('Someone else');
    const server = await issueServerCertificate(ca, { hosts: ['localhost'] });
    const outcome = await handshake({ server, ca: other.certificate, servername: 'localhost' });
    expect(outcome).toMatchObject({ ok: false });
    expect(outcome.ok === false && outcome.code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED/);
  });

  it('issues a client certificate a server requiring one accepts, with the user as its common name', async () => {
    const ca = await createCertificateAuthority('Quarry test CA');
    const server = await issueServerCertificate(ca, { hosts: ['localhost'] });
    const client = await issueClientCertificate(ca, { user: 'reader' });
    expect(new X509Certificate(client.certificate).subject).toBe('CN=reader');
    expect(
      await handshake({
        server,
        ca: ca.certificate,
        servername: 'localhost',
        clientCa: ca.certificate,
        client,
      }),
    ).toEqual({ ok: true, peerUser: 'reader' });
  });

  it('draws a new key and serial for every certificate', async () => {
    const ca = await createCertificateAuthority('Quarry test CA');
    const [a, b] = await Promise.all([
      issueServerCertificate(ca, { hosts: ['localhost'] }),
      issueServerCertificate(ca, { hosts: ['localhost'] }),
    ]);
    expect(a?.privateKey).not.toBe(b?.privateKey);
    expect(new X509Certificate(a.certificate).serialNumber).not.toBe(
      new X509Certificate(b.certificate).serialNumber,
    );
  });
});
