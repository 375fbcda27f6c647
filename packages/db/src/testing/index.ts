import { randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { createDb, type DbClient } from '../client';
import { DEMO_WAREHOUSE_ROLE, seedDemoWarehouse } from '../demo-warehouse/index';
import { sweepForLeakScan } from './leak-scan-sweep';
import { createTlsTestDatabase, testTlsSettings, tlsTestVars } from './tls-server';

/**
 * Tests share one cluster-wide reader role on the TLS test server, so every test process must agree
 * on its password: the server keeps one (`npm test` and the tls-test-server script hand it down as
 * QUARRY_TEST_READER_PASSWORD; a bare vitest run reads it from .data/test-tls.json). Never a fixed
 * password on a login role.
 */
export const TEST_READER_PASSWORD =
  process.env.QUARRY_TEST_READER_PASSWORD ?? tlsTestVars().QUARRY_TEST_READER_PASSWORD ?? randomUUID();

import { runMigrations } from '../migrate';

/**
 * The server tests create their databases on. `npm test` sets QUARRY_TEST_ADMIN_URL (the machine's
 * PostgreSQL in CI, else an embedded one); a bare `vitest` in a package falls back to the machine's.
 */
export function testAdminUrl(): string {
  return process.env.QUARRY_TEST_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export type TestDatabase = DbClient & { url: string; name: string; drop: () => Promise<void> };

/**
 * A fresh, migrated database for one test file; `drop()` removes it, after the leak scan has read
 * its audit rows and sealed records.
 */
export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const admin = postgres(testAdminUrl(), { max: 1, onnotice: () => {} });
  const name = `quarry_t_${randomBytes(6).toString('hex')}`;
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = withDatabase(testAdminUrl(), name);
  if (options.migrate !== false) await runMigrations(url);
  const client = createDb(url, { max: 5, applicationName: 'quarry-test' });
  // A database its test closed early (the warehouse, once seeded) has nothing left to sweep.
  let closed = false;
  const close = async () => {
    closed = true;
    await client.close();
  };
  return {
    ...client,
    close,
    url,
    name,
    drop: async () => {
      // The database goes either way; a sweep that failed fails the drop after it.
      const sweepFailure = closed
        ? undefined
        : await sweepForLeakScan(client).then(
            () => undefined,
            (error: unknown) => error ?? new Error('The leak scan sweep failed'),
          );
      await close();
      const dropper = postgres(testAdminUrl(), { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
      if (sweepFailure !== undefined) throw sweepFailure;
    },
  };
}

export type TestWarehouse = {
  /** Superuser URL of the warehouse database (for assertions such as pg_stat_activity). */
  adminUrl: string;
  /** How a Quarry connection reaches it: the read-only demo role. */
  reader: { host: string; port: number; database: string; username: string; password: string };
  /** Ready to be a PostgreSQL connection's settings (the reader's password is `reader.password`). */
  settings: TestWarehouseSettings;
  drop: () => Promise<void>;
};

/** A PostgreSQL connection's settings reaching a test warehouse: TLS, checked against the test CA. */
export type TestWarehouseSettings = {
  host: string;
  port: number;
  database: string;
  username: string;
  sslMode: 'verify-ca';
  caCertificate: string;
};

/**
 * A fresh demo warehouse with `orders` orders on the TLS test server, for tests that need real
 * rows, reached over TLS (verify-ca against the test CA) as its read-only role.
 */
export async function createTestWarehouse(options: { orders: number }): Promise<TestWarehouse> {
  const database = await createTlsTestDatabase();
  await seedDemoWarehouse(database.url, { orders: options.orders, readerPassword: TEST_READER_PASSWORD });
  const url = new URL(database.url);
  const reader = {
    host: url.hostname,
    port: Number(url.port || 5432),
    database: database.name,
    username: DEMO_WAREHOUSE_ROLE,
    password: TEST_READER_PASSWORD,
  };
  return {
    adminUrl: database.url,
    reader,
    settings: {
      host: reader.host,
      port: reader.port,
      database: reader.database,
      username: reader.username,
      ...testTlsSettings(),
    },
    drop: database.drop,
  };
}

export { type AdvisoryGate, holdAdvisoryGate, waitingAt } from './advisory-gate';
export {
  createTlsTestDatabase,
  type TestTlsServer,
  testTlsServer,
  testTlsSettings,
} from './tls-server';
export {
  addWorkspaceMember,
  createUser,
  createWorkspace,
  createWorkspaceFixture,
  type FixtureMember,
  type FixtureUser,
  joinWorkspace,
  type WorkspaceFixture,
} from './workspace-fixture';
