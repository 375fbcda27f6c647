import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { migrationsFolder, runMigrations } from './migrate';
import { createTestDatabase, type TestDatabase } from './testing/index';

type Journal = { entries: { tag: string }[] };

let database: TestDatabase | undefined;
let folder: string | undefined;

afterAll(async () => {
  await database?.drop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

/** The migrations folder as an installation from before runs carried a plan. */
function migrationsBeforeRunPlan(): string {
  folder = mkdtempSync(join(tmpdir(), 'quarry-migrations-'));
  cpSync(migrationsFolder, folder, { recursive: true });
  const path = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(path, 'utf8')) as Journal;
  const cut = journal.entries.findIndex((entry) => entry.tag === '0017_run_plan');
  if (cut < 0) throw new Error('no migration 0017_run_plan');
  writeFileSync(path, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut) }));
  return folder;
}

describe('the run plan migration', () => {
  it('gives each earlier run its one connection in connection_ids, so a gate over every connection still covers it, and lets a run have no connection_id', async () => {
    database = await createTestDatabase({ migrate: false });
    await migrate(drizzle(database.sql), { migrationsFolder: migrationsBeforeRunPlan() });
    await database.sql`
      insert into runs (id, workspace_id, project_id, cell_id, owner_id, connection_id, source, row_limit)
      values ('run_old', 'wsp_old', 'prj_old', 'cel_old', 'usr_old', 'con_old', 'select 1', 10)`;

    await runMigrations(database.url);

    const [old] = await database.sql<{ connection_ids: string[]; plan: unknown }[]>`
      select connection_ids, plan from runs where id = 'run_old'`;
    expect(old).toEqual({ connection_ids: ['con_old'], plan: null });
    await database.sql`
      insert into runs (id, workspace_id, project_id, cell_id, owner_id, source, row_limit)
      values ('run_js', 'wsp_old', 'prj_old', 'cel_js', 'usr_old', 'return 1', 10)`;
    const [js] = await database.sql<{ connection_id: string | null; connection_ids: string[] }[]>`
      select connection_id, connection_ids from runs where id = 'run_js'`;
    expect(js).toEqual({ connection_id: null, connection_ids: [] });
  });
});
