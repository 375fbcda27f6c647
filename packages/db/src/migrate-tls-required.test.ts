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

describe('the TLS-required migration', () => {
  it('turns a stored PostgreSQL connection with TLS off into require, and leaves every other one as it was', async () => {
    const database = await createTestDatabase({ migrate: false });
    databases.push(database);
    await migrate(drizzle(database.sql), {
      migrationsFolder: migrationsBefore('0012_postgres_tls_required'),
    });
    await database.sql`insert into workspaces (id, name) values ('wsp_old', 'Old')`;
    const base = { host: 'db.example.com', port: 5432, database: 'analytics', username: 'reader' };
    const rows = [
      ['con_off', 'postgres', { ...base, sslMode: 'disable' }],
      ['con_full', 'postgres', { ...base, sslMode: 'verify-full' }],
      ['con_mysql', 'mysql', { ...base, port: 3306, sslMode: 'disable' }],
    ] as const;
    for (const [id, kind, settings] of rows) {
      await database.sql`
        insert into connections (id, workspace_id, name, kind, scope, settings, created_by)
        values (${id}, 'wsp_old', ${id}, ${kind}, 'workspace', ${JSON.stringify(settings)}::jsonb, 'usr_old')`;
    }

    await runMigrations(database.url);

    const after = await database.sql<{ id: string; settings: Record<string, unknown> }[]>`
      select id, settings from connections order by id`;
    expect(Object.fromEntries(after.map((row) => [row.id, row.settings]))).toEqual({
      con_full: { ...base, sslMode: 'verify-full' },
      // MySQL's TLS is configurable: its `disable` stays.
      con_mysql: { ...base, port: 3306, sslMode: 'disable' },
      con_off: { ...base, sslMode: 'require' },
    });
  });
});
