import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';

const withDatabaseName = (url: string, database: string) => {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
};

/**
 * The PostgreSQL with TLS on that test warehouses live on (Quarry's own test databases stay on
 * testAdminUrl's server). `npm test` sets QUARRY_TEST_TLS_*; a bare vitest run reads what
 * `pnpm --filter @quarry/stack run tls-test-server` left in .data/test-tls.json (it starts the
 * server once and keeps it running).
 */
export type TestTlsServer = {
  adminUrl: string;
  /** PEM of the CA that signed the server's certificate (issued for `localhost` only). */
  caCertificate: string;
  /** A role that signs in by client certificate only, with its certificate and key (PEM). */
  client: { user: string; certificate: string; privateKey: string };
};

const TLS_ENV_FILE = join(import.meta.dirname, '..', '..', '..', '..', '.data', 'test-tls.json');

/** QUARRY_TEST_TLS_* (and the reader's password) from the environment, else from .data/test-tls.json. */
export function tlsTestVars(): Record<string, string | undefined> {
  if (process.env.QUARRY_TEST_TLS_ADMIN_URL) return process.env;
  const root = process.env.QUARRY_ROOT;
  const file = root ? join(root, '.data', 'test-tls.json') : TLS_ENV_FILE;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {};
}

export function testTlsServer(): TestTlsServer {
  const vars = tlsTestVars();
  const adminUrl = vars.QUARRY_TEST_TLS_ADMIN_URL;
  const caCertificate = vars.QUARRY_TEST_TLS_CA;
  if (!adminUrl || !caCertificate) {
    throw new Error(
      'No PostgreSQL with TLS for test warehouses: run the tests with `npm test`, or start the TLS test server once with `pnpm --filter @quarry/stack run tls-test-server` (it stays up under .data/ and tells bare vitest runs where it is)',
    );
  }
  return {
    adminUrl,
    caCertificate,
    client: {
      user: vars.QUARRY_TEST_TLS_CLIENT_USER ?? '',
      certificate: vars.QUARRY_TEST_TLS_CLIENT_CERT ?? '',
      privateKey: vars.QUARRY_TEST_TLS_CLIENT_KEY ?? '',
    },
  };
}

/** An empty database of its own on the TLS test server, for a warehouse; `drop()` removes it. */
export async function createTlsTestDatabase(): Promise<{
  url: string;
  name: string;
  drop: () => Promise<void>;
}> {
  const { adminUrl } = testTlsServer();
  const name = `quarry_wh_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return {
    url: withDatabaseName(adminUrl, name),
    name,
    drop: async () => {
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}

/** TLS settings that reach the TLS test server, checked against its CA. */
export function testTlsSettings(): { sslMode: 'verify-ca'; caCertificate: string } {
  return { sslMode: 'verify-ca', caCertificate: testTlsServer().caCertificate };
}
