import type { Cell, Column } from '@quarry/contracts';
import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  differencesFromPsql,
  exactValuesQuery,
  NOT_COVERED,
  prepareExactValuesWarehouse,
  psqlRow,
} from '../testing/postgres-exact-values';
import type { PostgresConfig, StreamEvent } from '../types';
import { streamPostgres } from './stream';

/**
 * The psql comparison (issue 11, "Exact values") at the connector: every built-in PostgreSQL type
 * read through streamPostgres is exactly what `psql -At` prints (the query and the comparison are
 * in ../testing/postgres-exact-values.ts). The SDK's end-to-end comparison over the same query is
 * apps/api's exact-values.test.ts.
 */

let warehouse: TestWarehouse;
let admin: postgres.Sql;
let config: PostgresConfig;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 200 });
  admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  await prepareExactValuesWarehouse(warehouse.adminUrl, warehouse.reader.database);
  config = { ...warehouse.settings, password: warehouse.reader.password };
}, 60_000);

afterAll(async () => {
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

async function viaStream(sql: string): Promise<{ columns: Column[]; row: Cell[] }> {
  const events: StreamEvent[] = [];
  for await (const event of streamPostgres(config, sql, [], {
    rowLimit: 10,
    timeoutMs: 20_000,
    allow: LOOPBACK,
  }))
    events.push(event);
  const last = events.at(-1);
  if (last?.type !== 'end') throw new Error(`the stream ended with ${JSON.stringify(last)}`);
  const columns = events.find((e) => e.type === 'columns')?.columns ?? [];
  const rows = events.flatMap((e) => (e.type === 'rows' ? e.rows : []));
  expect(rows).toHaveLength(1);
  return { columns, row: rows[0] ?? [] };
}

describe('exact values: streamPostgres against psql -At', () => {
  it('hands over every built-in type exactly as psql prints it, value by value', async () => {
    const { sql, names } = exactValuesQuery();
    const [stream, printed] = await Promise.all([viaStream(sql), psqlRow(warehouse.reader, sql)]);

    expect(names.length).toBeGreaterThan(250);
    expect(stream.columns.map((c) => c.name)).toEqual(names);
    expect(printed).toHaveLength(names.length);
    expect(differencesFromPsql(stream.columns, stream.row, printed)).toEqual([]);
    // The cells survive the JSON the runner writes them in.
    expect(JSON.parse(JSON.stringify(stream.row))).toEqual(stream.row);
  });

  it('covers every built-in type of pg_type, or says why not', async () => {
    const { sql } = exactValuesQuery();
    const { columns } = await viaStream(sql);
    const covered = new Set(columns.map((c) => c.dbType));
    const builtIn = await admin<{ typname: string; element: string | null }[]>`
      select t.typname, e.typname as element
      from pg_type t left join pg_type e on e.typarray = t.oid
      where t.oid < 10000 order by t.oid`;
    const names = builtIn.map((t) => (t.element ? `${t.element}[]` : t.typname));
    const missing = names.filter(
      (name) => !covered.has(name) && !(name in NOT_COVERED) && !(name.slice(0, -2) in NOT_COVERED),
    );
    expect(missing).toEqual([]);
    // Not covered means not reachable, not forgotten: none of them is a type a case returns.
    expect(Object.keys(NOT_COVERED).filter((name) => covered.has(name))).toEqual([]);
  });

  it('keeps the edge values the issue names, with their logical types', async () => {
    const { sql } = exactValuesQuery();
    const { columns, row } = await viaStream(sql);
    const at = (name: string) => {
      const i = columns.findIndex((c) => c.name === name);
      return { column: columns[i], value: row[i] };
    };
    expect(at('int8_2_53_plus_1')).toEqual({
      column: { name: 'int8_2_53_plus_1', type: 'integer', dbType: 'int8' },
      value: '9007199254740993',
    });
    expect(at('int4_max').value).toBe(2147483647);
    expect(at('numeric_40')).toMatchObject({
      column: { type: 'decimal', dbType: 'numeric' },
      value: '1234567890123456789012345678901234567890.0123456789',
    });
    expect(at('float8_minus_zero')).toMatchObject({ column: { type: 'float' }, value: '-0' });
    expect(at('float8_tenth').value).toBe('0.1');
    expect(at('timestamptz_us')).toEqual({
      column: { name: 'timestamptz_us', type: 'timestamptz', dbType: 'timestamptz', timeZone: 'UTC' },
      value: '2024-02-29 08:15:00.123456+00',
    });
    expect(at('timestamp_us')).toMatchObject({
      column: { type: 'timestamp' },
      value: '2024-02-29 13:45:00.123456',
    });
    expect(at('timestamp_inf').value).toBe('infinity');
    expect(at('date_bc')).toMatchObject({ column: { type: 'date' }, value: '0044-03-15 BC' });
    expect(at('date').value).toBe('2024-02-29');
    expect(at('interval').value).toBe('1 year 2 mons 3 days 04:05:06.000007');
    expect(at('bytea_zeros')).toMatchObject({ column: { type: 'bytes' }, value: '\\x00ff0000' });
    expect(at('text_empty').value).toBe('');
    expect(at('text_null').value).toBeNull();
    expect(at('bpchar_padded').value).toBe('ab   ');
    expect(at('jsonb').value).toBe('{"a": null, "b": 1, "c": {"y": 0, "z": 100}, "aa": [1, 2.50, "ü"]}');
    expect(at('json').value).toBe('{"b": 1,  "a": [1, 2.50, "ü\\u00e9"], "b": 2}');
    expect(at('int4_nested')).toMatchObject({
      column: { type: 'array', dbType: 'int4[]' },
      value: '{{1,2},{3,NULL}}',
    });
    expect(at('enum')).toMatchObject({ column: { type: 'other' }, value: 'happy' });
    expect(at('enum').column?.dbType).toMatch(/^oid:\d+$/);
    expect(at('bool_f').value).toBe(false);
  });

  it('pins the settings that shape the text, whatever the database defaults to', async () => {
    const sql = `select current_setting('DateStyle'), current_setting('IntervalStyle'),
      current_setting('TimeZone'), current_setting('extra_float_digits'), current_setting('bytea_output'),
      '0044-03-15 BC'::date, '1 day 02:00'::interval, '\\x00'::bytea, 0.1::float8`;
    const { row } = await viaStream(sql);
    expect(row).toEqual([
      'ISO, MDY',
      'postgres',
      'UTC',
      '3',
      'hex',
      '0044-03-15 BC',
      '1 day 02:00:00',
      '\\x00',
      '0.1',
    ]);
    // Without the pinned settings the same database writes other text: the pinning is what holds.
    const unpinned = await psqlRow(warehouse.reader, sql, '');
    expect(unpinned.slice(0, 5)).toEqual(['SQL, DMY', 'iso_8601', 'America/New_York', '-3', 'escape']);
    expect(unpinned.slice(5)).not.toEqual(row.slice(5));
  });
});
