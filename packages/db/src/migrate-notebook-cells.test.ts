import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from './migrate';
import type { TestDatabase } from './testing/index';
import { databaseMigratedBefore } from './testing/migrated-before';

let database: TestDatabase | undefined;

afterAll(async () => {
  await database?.drop();
});

describe('the notebook cells migration', () => {
  it("names each project's existing cells query_1, query_2, … in their order, and keeps names unique per project", async () => {
    database = await databaseMigratedBefore('0014_notebook_cells');
    await database.sql`insert into workspaces (id, name) values ('wsp_old', 'Old')`;
    await database.sql`
      insert into projects (id, workspace_id, name, created_by)
      values ('prj_one', 'wsp_old', 'One', 'usr_old'), ('prj_two', 'wsp_old', 'Two', 'usr_old')`;
    // Positions out of insertion order, and a gap: the order is by position, not by id or time.
    await database.sql`
      insert into cells (id, workspace_id, project_id, position, source) values
        ('cel_c', 'wsp_old', 'prj_one', 5, 'select 3'),
        ('cel_a', 'wsp_old', 'prj_one', 0, 'select 1'),
        ('cel_b', 'wsp_old', 'prj_one', 2, 'select 2'),
        ('cel_z', 'wsp_old', 'prj_two', 0, 'select 9')`;

    await runMigrations(database.url);

    const rows = await database.sql<{ id: string; name: string; kind: string; config: unknown }[]>`
      select id, name, kind, config from cells order by id`;
    expect(rows).toEqual([
      { id: 'cel_a', name: 'query_1', kind: 'sql', config: null },
      { id: 'cel_b', name: 'query_2', kind: 'sql', config: null },
      { id: 'cel_c', name: 'query_3', kind: 'sql', config: null },
      { id: 'cel_z', name: 'query_1', kind: 'sql', config: null },
    ]);
    await expect(
      database.sql`insert into cells (id, workspace_id, project_id, position, name) values ('cel_d', 'wsp_old', 'prj_one', 6, 'query_2')`,
    ).rejects.toThrow(/cells_project_name_idx/);
  });
});
