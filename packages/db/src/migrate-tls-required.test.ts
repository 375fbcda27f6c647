import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from './migrate';
import type { TestDatabase } from './testing/index';
import { databaseMigratedBefore } from './testing/migrated-before';

const databases: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

describe('the TLS-required migration', () => {
  it('turns a stored PostgreSQL connection with TLS off into require, and leaves every other one as it was', async () => {
    const database = await databaseMigratedBefore('0012_postgres_tls_required');
    databases.push(database);
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
