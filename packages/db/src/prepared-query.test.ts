import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbClient } from './client';
import { preparedQuery } from './prepared-query';
import { workspaces } from './schema/index';
import { createTestDatabase, type TestDatabase } from './testing/index';

let database: TestDatabase;
let other: DbClient;

beforeAll(async () => {
  database = await createTestDatabase();
  other = createDb(database.url, { max: 1 });
  await database.db.insert(workspaces).values([
    { id: 'wsp_one', name: 'One' },
    { id: "wsp_'; drop table workspaces; --", name: 'Quoted' },
  ]);
});

afterAll(async () => {
  await other?.close();
  await database?.drop();
});

describe('a prepared query', () => {
  it('is built once per database, and binds its values as parameters', async () => {
    let builds = 0;
    const named = preparedQuery('workspace_name', (db) => {
      builds += 1;
      return db
        .select({ name: workspaces.name })
        .from(workspaces)
        .where(eq(workspaces.id, sql.placeholder('id')));
    });
    expect(await named(database.db).execute({ id: 'wsp_one' })).toEqual([{ name: 'One' }]);
    expect(await named(database.db).execute({ id: "wsp_'; drop table workspaces; --" })).toEqual([
      { name: 'Quoted' },
    ]);
    expect(await named(database.db).execute({ id: 'wsp_none' })).toEqual([]);
    expect(builds).toBe(1);
    // Another database (pool) builds its own: a query is bound to the pool it was built on.
    expect(await named(other.db).execute({ id: 'wsp_one' })).toEqual([{ name: 'One' }]);
    expect(builds).toBe(2);
    expect(await database.db.select().from(workspaces)).toHaveLength(2);
  });
});
