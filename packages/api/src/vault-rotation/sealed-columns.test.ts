import { createTestDatabase, type TestDatabase } from '@quarry/db/testing';
import { getTableName } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEALED_COLUMNS } from './sealed-columns';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.drop());

describe('SEALED_COLUMNS', () => {
  it('lists every bytea column of the migrated database, so rotation cannot forget a sealed column', async () => {
    const rows = await database.sql<{ name: string }[]>`
      select table_name || '.' || column_name as name
      from information_schema.columns
      where table_schema = 'public' and data_type = 'bytea'
      order by 1`;
    const listed = SEALED_COLUMNS.map((entry) => `${getTableName(entry.table)}.${entry.column.name}`).sort();
    expect(rows.map((row) => row.name)).toEqual(listed);
  });

  it('names each kind after the vault purpose its records are sealed for', () => {
    for (const entry of SEALED_COLUMNS) {
      const keys = entry.keys.map((_, index) => (index === 0 ? 'id_x' : 1));
      expect(entry.context({ workspaceId: 'wsp_x', keys }).purpose).toBe(entry.kind);
    }
  });

  it('binds each record to its workspace and its own key', () => {
    for (const entry of SEALED_COLUMNS) {
      const keys = entry.keys.map((_, index) => (index === 0 ? 'id_x' : 7));
      const context = entry.context({ workspaceId: 'wsp_x', keys });
      expect(context.workspaceId).toBe('wsp_x');
      expect(context.recordId).toContain('id_x');
    }
  });
});
