import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createDb, type DbClient } from '../client';
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

/** A fresh, migrated database for one test file; `drop()` removes it. */
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
  return {
    ...client,
    url,
    name,
    drop: async () => {
      await client.close();
      const dropper = postgres(testAdminUrl(), { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}

/** The demo warehouse `npm test` seeded once for the whole run (see tooling/stack). */
export function testWarehouseUrl(): string {
  const url = process.env.QUARRY_TEST_WAREHOUSE_URL;
  if (!url) {
    throw new Error('QUARRY_TEST_WAREHOUSE_URL is not set: run the tests through `npm test`, which seeds it');
  }
  return url;
}
