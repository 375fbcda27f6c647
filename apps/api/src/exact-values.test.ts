import {
  differencesFromPsql,
  exactValuesQuery,
  prepareExactValuesWarehouse,
  psqlRow,
} from '@quarry/connectors/testing/postgres-exact-values';
import type { Cell } from '@quarry/contracts';
import type { TestWarehouse, WorkspaceFixture } from '@quarry/db/testing';
import { createQuarryClient } from '@quarry/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiWithRunner, startApiWithRunner } from './testing/start-api-with-runner';

/**
 * Issue 11, "Exact values", end to end: what the SDK receives for a column of every built-in
 * PostgreSQL type, through the API, the queue, the runner, the sealed chunks and the stream, is
 * value by value the text `psql -At` prints for the same query (booleans and int2/int4 aside).
 */

let stack: ApiWithRunner;
let warehouse: TestWarehouse;
let fixture: WorkspaceFixture;

beforeAll(async () => {
  stack = await startApiWithRunner({ orders: 200, password: 'exact values password 1' });
  ({ warehouse, fixture } = stack);
  await prepareExactValuesWarehouse(warehouse.adminUrl, warehouse.reader.database);
});

afterAll(() => stack?.stop());

describe('exact values through the SDK', () => {
  it('delivers every built-in type exactly as psql -At prints it', async () => {
    const client = createQuarryClient({
      url: stack.api.url,
      token: await stack.tokenFor(fixture.users.editor.email, 'exact values'),
    });
    const { sql, names } = exactValuesQuery();
    const result = await client.query({
      projectId: fixture.projectId,
      cellId: fixture.cellId,
      sql,
      rowLimit: 10,
    });
    const rows: Cell[][] = [];
    for await (const row of result.rows) rows.push(row);
    const printed = await psqlRow(warehouse.reader, sql);

    expect(rows).toHaveLength(1);
    const columns = result.columns();
    expect(columns.map((c) => c.name)).toEqual(names);
    expect(differencesFromPsql(columns, rows[0] ?? [], printed)).toEqual([]);
    // The metadata arrives too: the logical type, the database's name, the zone of instants.
    const column = (name: string) => columns.find((c) => c.name === name);
    expect(column('timestamptz_us')).toEqual({
      name: 'timestamptz_us',
      type: 'timestamptz',
      dbType: 'timestamptz',
      timeZone: 'UTC',
    });
    expect(column('int8_max')).toEqual({ name: 'int8_max', type: 'integer', dbType: 'int8' });
    expect(column('numeric_40')).toEqual({ name: 'numeric_40', type: 'decimal', dbType: 'numeric' });
    expect(column('int4_nested')).toEqual({ name: 'int4_nested', type: 'array', dbType: 'int4[]' });
  });
});
