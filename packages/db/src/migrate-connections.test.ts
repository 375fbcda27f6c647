import { afterAll, describe, expect, it } from 'vitest';
import { runMigrations } from './migrate';
import type { TestDatabase } from './testing/index';
import { databaseMigratedBefore } from './testing/migrated-before';

const databases: TestDatabase[] = [];

afterAll(async () => {
  await Promise.all(databases.map((d) => d.drop()));
});

describe('the connection kinds migration', () => {
  it("carries an existing PostgreSQL connection's columns into its settings and keeps its sealed credentials", async () => {
    const database = await databaseMigratedBefore('0005_connection_kinds_and_secrets');
    databases.push(database);
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
