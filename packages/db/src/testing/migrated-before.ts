import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { migrationsFolder } from '../migrate';
import { createTestDatabase, type TestDatabase } from './index';

type Journal = { entries: { tag: string }[] };

/**
 * A fresh test database migrated up to, not including, the migration `tag`: what an installation
 * of the version before it holds, for a migration test to fill with old rows and then migrate.
 * `drop` removes the database and the copied migrations folder.
 */
export async function databaseMigratedBefore(tag: string): Promise<TestDatabase> {
  const folder = mkdtempSync(join(tmpdir(), 'quarry-migrations-'));
  cpSync(migrationsFolder, folder, { recursive: true });
  const path = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(path, 'utf8')) as Journal;
  const cut = journal.entries.findIndex((entry) => entry.tag === tag);
  if (cut < 0) throw new Error(`no migration ${tag}`);
  writeFileSync(path, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
  const database = await createTestDatabase({ migrate: false });
  await migrate(drizzle(database.sql), { migrationsFolder: folder });
  return {
    ...database,
    drop: async () => {
      rmSync(folder, { recursive: true, force: true });
      await database.drop();
    },
  };
}
