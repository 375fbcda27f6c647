import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { env } from './env';
import { dataDir, persistedSecret } from './paths';
import { type Server, startEmbedded } from './postgres';
import type { ServerTls } from './tls';

/** The role of the TLS test server that signs in by client certificate only (pg_hba `cert`). */
export const TLS_CLIENT_USER = 'quarry_cert_reader';

export type TlsTestServer = Server & {
  tls: ServerTls;
  /**
   * The password of the warehouses' shared reader role (cluster-wide): kept with the server, so
   * every test process using it, npm test's and bare vitest runs alike, sets and uses the same one.
   */
  readerPassword: string;
};

/**
 * The PostgreSQL test warehouses live on: embedded, TLS on, its certificate naming `localhost` only
 * (so `127.0.0.1` under verify-full is a host name mismatch a test can provoke), and one role that
 * must present a client certificate. Quarry's own test databases stay on the test server.
 */
export async function startTlsTestServer(options: { detached: boolean }): Promise<TlsTestServer> {
  const server = await startEmbedded('test-tls-postgres', env.QUARRY_TEST_TLS_PG_PORT, {
    tls: { hosts: ['localhost'], clientUser: TLS_CLIENT_USER },
    detached: options.detached,
    anyFreePort: true,
  });
  const tls = server.tls;
  if (!tls) throw new Error('the TLS test server started without TLS');
  const sql = postgres(server.adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [role] = await sql`select 1 from pg_roles where rolname = ${TLS_CLIENT_USER}`;
    if (!role) await sql.unsafe(`create role ${TLS_CLIENT_USER} login`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  const readerPassword = persistedSecret('test-tls-postgres.reader-password', () => randomUUID());
  return { ...server, tls, readerPassword };
}

/** What the tests read to reach the TLS test server (see @quarry/db/testing's testTlsServer). */
export function tlsTestEnv(server: TlsTestServer): Record<string, string> {
  return {
    QUARRY_TEST_TLS_ADMIN_URL: server.adminUrl,
    QUARRY_TEST_TLS_CA: server.tls.caCertificate,
    QUARRY_TEST_READER_PASSWORD: server.readerPassword,
    ...(server.tls.client
      ? {
          QUARRY_TEST_TLS_CLIENT_USER: server.tls.client.user,
          QUARRY_TEST_TLS_CLIENT_CERT: server.tls.client.certificate,
          QUARRY_TEST_TLS_CLIENT_KEY: server.tls.client.privateKey,
        }
      : {}),
  };
}

/** `export NAME='value'` lines a shell sources (values single-quoted; PEM spans lines). */
const exportsOf = (vars: Record<string, string>) =>
  Object.entries(vars)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", "'\\''")}'`)
    .join('\n');

/**
 * Writes the TLS test server's environment under .data/ (0600: it holds the server's password and
 * a client key, test-only both): test-tls.env for a shell, test-tls.json for @quarry/db/testing when
 * a bare vitest run has no environment. Answers the shell file's path.
 */
export function writeTlsTestEnv(server: TlsTestServer): string {
  const vars = tlsTestEnv(server);
  const file = join(dataDir, 'test-tls.env');
  writeFileSync(file, `${exportsOf(vars)}\n`, { mode: 0o600 });
  writeFileSync(join(dataDir, 'test-tls.json'), `${JSON.stringify(vars, null, 2)}\n`, { mode: 0o600 });
  return file;
}
