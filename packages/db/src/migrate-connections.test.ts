import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationsFolder, runMigrations } from './migrate';
import { createTestDatabase, type TestDatabase } from './testing/index';

type Journal = { entries: { tag: string }[] };

const databases: TestDatabase[] = [];
const folders: string[] = [];

afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** The migrations folder as it was before `tag`: what an installation of that version has applied. */
function migrationsBefore(tag: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'quarry-migrations-'));
  folders.push(folder);
  cpSync(migrationsFolder, folder, { recursive: true });
  const path = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(path, 'utf8')) as Journal;
  const cut = journal.entries.findIndex((entry) => entry.tag === tag);
  if (cut < 0) throw new Error(`no migration ${tag}`);
  writeFileSync(path, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
  return folder;
}

describe('the connection kinds migration', () => {
  it("carries an existing PostgreSQL connection's columns into its settings and keeps its sealed credentials", async () => {
    const database = await createTestDatabase({ migrate: false });
    databases.push(database);
    await migrate(drizzle(database.sql), {
      migrationsFolder: migrationsBefore('0005_connection_kinds_and_secrets'),
    });
    const sealed = Buffer.from([1, 2, 3, 4, 5]);
    await database.sql`
      insert into workspaces (id, name) values ('wsp_old', 'Old')`;
    await database.sql`
      insert into connections (id, workspace_id, name, kind, scope, host, port, database, username, ssl_mode, credentials, created_by)
      values ('con_old', 'wsp_old', 'warehouse', 'postgres', 'workspace', 'db.example.com', 6432, 'analytics', 'reader', 'verify-full', ${sealed}, 'usr_old')`;

    await runMigrations(database.url);

    const [row] = await database.sql<
      { settings: Record<string, unknown>; credentials: Buffer; status: string; is_default: boolean }[]
    >`select settings, credentials, status, is_default from connections where id = 'con_old'`;
    expect(row?.settings).toEqual({
      host: 'db.example.com',
      port: 6432,
      database: 'analytics',
      username: 'reader',
      sslMode: 'verify-full',
    });
    expect(row?.credentials.equals(sealed)).toBe(true);
    expect(row?.status).toBe('ready');
    expect(row?.is_default).toBe(false);
    const columns = await database.sql<{ name: string }[]>`
      select column_name as name from information_schema.columns where table_name = 'connections'`;
    expect(columns.map((c) => c.name)).not.toContain('host');
  });
});
