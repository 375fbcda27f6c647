import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from './migrate';
import type { TestDatabase } from './testing/index';
import { databaseMigratedBefore } from './testing/migrated-before';

let database: TestDatabase | undefined;

afterAll(async () => {
  await database?.drop();
});

describe('the run plan migration', () => {
  it('gives each earlier run its one connection in connection_ids, so a gate over every connection still covers it, and lets a run have no connection_id', async () => {
    database = await databaseMigratedBefore('0017_run_plan');
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
