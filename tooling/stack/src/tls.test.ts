import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataDir } from './paths';
import { ensureServerTls, serverOwner } from './tls';

const name = `tls-check-${randomBytes(4).toString('hex')}`;

afterAll(() => {
  rmSync(join(dataDir, `${name}-tls`), { recursive: true, force: true });
});

describe("the embedded server's TLS material", () => {
  it('is generated once: a CA, a server certificate for the hosts signed by it, keys PostgreSQL accepts', async () => {
    const tls = await ensureServerTls(name, { hosts: ['127.0.0.1', 'localhost'] });
    const ca = new X509Certificate(tls.caCertificate);
    const server = new X509Certificate(readFileSync(tls.certFile));
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkHost('localhost')).toBe('localhost');
    // PostgreSQL refuses a key others can read; as root it must belong to the server's user.
    const key = statSync(tls.keyFile);
    expect(key.mode & 0o777).toBe(0o600);
    const owner = serverOwner();
    if (owner) expect([key.uid, key.gid]).toEqual([owner.uid, owner.gid]);
    expect(statSync(join(dataDir, `${name}-tls`, 'ca.key')).mode & 0o777).toBe(0o600);

    const again = await ensureServerTls(name, { hosts: ['127.0.0.1', 'localhost'] });
    expect(again.caCertificate).toBe(tls.caCertificate);
    expect(new X509Certificate(readFileSync(again.certFile)).fingerprint256).toBe(server.fingerprint256);
  });

  it('reissues the server certificate under the same CA when a host is added', async () => {
    const before = await ensureServerTls(name, { hosts: ['127.0.0.1', 'localhost'] });
    const after = await ensureServerTls(name, { hosts: ['127.0.0.1', 'localhost', 'db.internal'] });
    expect(after.caCertificate).toBe(before.caCertificate);
    const server = new X509Certificate(readFileSync(after.certFile));
    expect(server.checkHost('db.internal')).toBe('db.internal');
    expect(server.checkIssued(new X509Certificate(after.caCertificate))).toBe(true);
  });

  it('issues a client certificate whose common name is the role', async () => {
    const tls = await ensureServerTls(name, { hosts: ['localhost'], clientUser: 'cert_reader' });
    expect(tls.client?.user).toBe('cert_reader');
    const client = new X509Certificate(tls.client?.certificate ?? '');
    expect(client.subject).toBe('CN=cert_reader');
    expect(client.checkIssued(new X509Certificate(tls.caCertificate))).toBe(true);
  });
});
