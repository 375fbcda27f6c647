import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationsFolder, runMigrations } from './migrate';
import { createTestDatabase, type TestDatabase } from './testing/index';

const TABLES = [
  'api_tokens',
  'audit_chain_heads',
  'audit_events',
  'cells',
  'connection_probes',
  'connections',
  'group_members',
  'groups',
  'invites',
  'project_connections',
  'project_grants',
  'project_secrets',
  'projects',
  'result_cache_chunks',
  'result_cache_entries',
  'result_cache_keys',
  'run_chunks',
  'runs',
  'schema_columns',
  'schema_refreshes',
  'schema_tables',
  'secrets',
  'sessions',
  'sign_in_attempts',
  'sso_consumed_flows',
  'sso_providers',
  'user_identities',
  'users',
  'workspace_members',
  'workspaces',
];

/** Every migration in the journal, so adding one does not break these tests. */
const MIGRATIONS = (
  JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }
).entries.length;

const databases: TestDatabase[] = [];

afterEach(async () => {
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase({ migrate: false });
  databases.push(database);
  return database;
}

async function publicTables(database: TestDatabase): Promise<string[]> {
  const rows = await database.sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
  return rows.map((r) => r.name);
}

async function appliedMigrations(database: TestDatabase): Promise<number> {
  const [row] = await database.sql<
    { n: number }[]
  >`select count(*)::int as n from drizzle.__drizzle_migrations`;
  return row?.n ?? -1;
}

describe('runMigrations', () => {
  it('creates every table on a fresh database', async () => {
    const database = await freshDatabase();
    expect(await publicTables(database)).toEqual([]);

    await runMigrations(database.url);

    const tables = await publicTables(database);
    for (const table of ['workspaces', 'sessions', 'runs', 'run_chunks', 'audit_events']) {
      expect(tables).toContain(table);
    }
    expect(tables).toEqual(TABLES);
    expect(await appliedMigrations(database)).toBe(MIGRATIONS);
  });

  it('creates the unique index that keeps an audit chain from forking', async () => {
    const database = await freshDatabase();
    await runMigrations(database.url);

    const rows = await database.sql<{ def: string }[]>`
      select indexdef as def from pg_indexes where tablename = 'audit_events' and indexname = 'audit_events_chain_seq_idx'`;
    expect(rows[0]?.def).toMatch(/CREATE UNIQUE INDEX .* \(chain, seq\)/);
  });

  it('does nothing the second time, and keeps the data', async () => {
    const database = await freshDatabase();
    await runMigrations(database.url);
    await database.sql`insert into workspaces (id, name) values ('wsp_keepkeepkeepkeep', 'Kept')`;

    await runMigrations(database.url);

    expect(await publicTables(database)).toEqual(TABLES);
    expect(await appliedMigrations(database)).toBe(MIGRATIONS);
    const rows = await database.sql<{ name: string }[]>`select name from workspaces`;
    expect(rows.map((r) => r.name)).toEqual(['Kept']);
  });

  it('applies the migrations once when two processes start at the same time', async () => {
    const database = await freshDatabase();

    const outcomes = await Promise.allSettled([runMigrations(database.url), runMigrations(database.url)]);

    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status))).toEqual([
      'fulfilled',
      'fulfilled',
    ]);
    expect(await publicTables(database)).toEqual(TABLES);
    expect(await appliedMigrations(database)).toBe(MIGRATIONS);
  });
});
