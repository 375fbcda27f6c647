import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, type Issued, issueServerCertificate } from '@quarry/certificates';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialer } from '../registry/connector';
import type { ConnectorError } from '../types';
import { mysqlConnectors } from './index';
import type { MysqlConfig } from './kind';
import { loopbackContext } from './testing';

/**
 * A MariaDB server of this file's own, serving TLS with a certificate for `db.quarry.test` only,
 * signed by a CA made here. The machine's MariaDB has no TLS; this one starts in under a second
 * (an empty data directory, no grant tables: any account signs in, which is all TLS needs).
 */
const mariadbd = (() => {
  try {
    return (
      execFileSync('sh', ['-c', 'command -v mariadbd || command -v mysqld'], { encoding: 'utf8' }).trim() ||
      null
    );
  } catch {
    return null;
  }
})();
if (!mariadbd) console.warn('MySQL TLS tests skipped: no mariadbd on this machine');

const [connector] = mysqlConnectors;
let server: ChildProcess | undefined;
let dir = '';
let port = 0;
let authority: Issued;
let otherAuthority: Issued;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(async () => {
  if (!mariadbd) return;
  dir = await mkdtemp(join(tmpdir(), 'quarry-mysql-tls-'));
  authority = await createCertificateAuthority('Quarry MySQL test CA');
  otherAuthority = await createCertificateAuthority('Some other CA');
  const issued = await issueServerCertificate(authority, { hosts: ['db.quarry.test'] });
  await writeFile(join(dir, 'server.pem'), issued.certificate);
  await writeFile(join(dir, 'server.key'), issued.privateKey, { mode: 0o600 });
  await mkdir(join(dir, 'data'));
  port = await freePort();
  server = spawn(
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      '--user=root',
      '--skip-grant-tables',
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'server.sock')}`,
      `--pid-file=${join(dir, 'server.pid')}`,
      '--innodb-buffer-pool-size=8M',
      `--log-error=${join(dir, 'error.log')}`,
      `--ssl-cert=${join(dir, 'server.pem')}`,
      `--ssl-key=${join(dir, 'server.key')}`,
    ],
    { stdio: 'ignore' },
  );
  // A fresh mariadbd initialises its data directory first; a loaded machine takes its time.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const outcome = await run(config({ sslMode: 'disable' }));
    if (!('code' in outcome)) break;
    if (Date.now() > deadline)
      throw new Error(`the TLS test server did not start: ${JSON.stringify(outcome)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 90_000);

afterAll(async () => {
  server?.kill('SIGTERM');
  if (server && server.exitCode === null) await new Promise((resolve) => server?.once('exit', resolve));
  if (dir) await rm(dir, { recursive: true, force: true });
});

function config(overrides: Partial<MysqlConfig>): MysqlConfig {
  return {
    host: 'localhost',
    port,
    database: 'information_schema',
    username: 'root',
    password: '',
    sslMode: 'require',
    sshPort: 22,
    ...overrides,
  };
}

/**
 * The cipher of the session a statement ran on (empty when not encrypted), or the error. A statement
 * rather than test(): SHOW GRANTS needs the grant tables this server runs without.
 */
async function run(settings: MysqlConfig): Promise<{ cipher: string } | ConnectorError> {
  return runWith(settings);
}

async function runWith(settings: MysqlConfig, dial?: Dialer): Promise<{ cipher: string } | ConnectorError> {
  if (!connector) throw new Error('no connector');
  let cipher = '';
  for await (const event of connector.stream(
    settings,
    { sql: "SHOW SESSION STATUS LIKE 'Ssl_cipher'", params: [], rowLimit: 10 },
    loopbackContext(dial ? { dial } : {}),
  )) {
    if (event.type === 'error') return event.error;
    if (event.type === 'rows') cipher = String(event.rows[0]?.[1] ?? '');
  }
  return { cipher };
}

async function cipherOf(settings: MysqlConfig): Promise<string> {
  const outcome = await run(settings);
  if ('code' in outcome) throw new Error(`${outcome.code}: ${outcome.message}`);
  return outcome.cipher;
}

async function refusal(settings: MysqlConfig): Promise<ConnectorError> {
  const outcome = await run(settings);
  if (!('code' in outcome)) throw new Error('expected a refusal');
  return outcome;
}

describe.skipIf(!mariadbd)('MySQL over TLS', () => {
  it('encrypts under require, and not under disable', async () => {
    expect(await cipherOf(config({ sslMode: 'require' }))).not.toBe('');
    expect(await cipherOf(config({ sslMode: 'disable' }))).toBe('');
  });

  it('holds the result limits on the decrypted bytes', async () => {
    if (!connector) throw new Error('no connector');
    let error: ConnectorError | null = null;
    for await (const event of connector.stream(
      config({ sslMode: 'require' }),
      { sql: "SELECT REPEAT('x', 3000000)", params: [], rowLimit: 10 },
      loopbackContext({ limits: { maxValueBytes: 1_000_000, maxResultBytes: 100_000_000 } }),
    ))
      if (event.type === 'error') error = event.error;
    expect(error?.code).toBe('run.value_too_large');
  });

  it('verify-ca accepts the CA that signed the certificate, whatever the host name, and refuses another CA', async () => {
    expect(await cipherOf(config({ sslMode: 'verify-ca', caCertificate: authority.certificate }))).not.toBe(
      '',
    );
    const wrong = await refusal(config({ sslMode: 'verify-ca', caCertificate: otherAuthority.certificate }));
    expect(wrong).toMatchObject({ code: 'connector.tls_untrusted', details: { tls: 'untrusted' } });
    expect(wrong.message).toMatch(/certificate could not be verified/);
    // Without a CA, the system's CAs do not know this one either.
    expect((await refusal(config({ sslMode: 'verify-ca' }))).details).toMatchObject({ tls: 'untrusted' });
  });

  it('verify-full also checks the host name, and refuses an IP address it could not check', async () => {
    const mismatch = await refusal(config({ sslMode: 'verify-full', caCertificate: authority.certificate }));
    expect(mismatch).toMatchObject({
      code: 'connector.tls_host_mismatch',
      details: { tls: 'name_mismatch' },
    });
    // The same server and CA under the name the certificate names (resolved by the dialer here,
    // as an SSH tunnel would): accepted.
    const dial = (_target: { host: string; port: number }) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
        socket.once('error', reject);
      });
    const named = config({
      host: 'db.quarry.test',
      sslMode: 'verify-full',
      caCertificate: authority.certificate,
    });
    const outcome = await runWith(named, dial);
    expect('cipher' in outcome && outcome.cipher).not.toBe('');
    const address = await refusal(
      config({ host: '127.0.0.1', sslMode: 'verify-full', caCertificate: authority.certificate }),
    );
    expect(address).toMatchObject({ code: 'connections.invalid_settings', details: { field: 'host' } });
  });
});
