import { ColumnType } from '@quarry/contracts';
import { testAdminUrl } from '@quarry/db/testing';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { toCell } from '../registry/driver-cell';
import { columnFor, NAMED_OIDS } from './types-map';

describe('toCell', () => {
  it.each<[string, unknown, string | number | boolean | null]>([
    ['null', null, null],
    ['undefined', undefined, null],
    ['a string', 'héllo', 'héllo'],
    ['an empty string', '', ''],
    ['a number', 42.5, 42.5],
    ['zero', 0, 0],
    ['NaN', Number.NaN, 'NaN'],
    ['Infinity', Number.POSITIVE_INFINITY, 'Infinity'],
    ['-Infinity', Number.NEGATIVE_INFINITY, '-Infinity'],
    ['a boolean', false, false],
    ['a bigint beyond 2^53', 9007199254740993n, '9007199254740993'],
    ['a negative bigint', -5n, '-5'],
    ['a date', new Date('2024-02-29T12:34:56.789Z'), '2024-02-29T12:34:56.789Z'],
    ['an invalid date', new Date('not a date'), 'Invalid Date'],
    ['a buffer', Buffer.from([0x00, 0xff, 0x10]), '\\x00ff10'],
    ['an empty buffer', Buffer.alloc(0), '\\x'],
    ['an object', { b: 1, a: 'x' }, '{"b":1,"a":"x"}'],
    ['an array', [1, 'two', null], '[1,"two",null]'],
    ['a nested structure', { list: [{ x: true }] }, '{"list":[{"x":true}]}'],
  ])('turns %s into a JSON-safe cell', (_label, value, expected) => {
    const cell = toCell(value);

    expect(cell).toEqual(expected);
    expect(JSON.parse(JSON.stringify([cell]))).toEqual([expected]);
  });
});

describe('columnFor', () => {
  it.each([
    [16, 'boolean', 'bool'],
    [17, 'bytes', 'bytea'],
    [18, 'text', 'char'],
    [19, 'text', 'name'],
    [20, 'integer', 'int8'],
    [21, 'integer', 'int2'],
    [23, 'integer', 'int4'],
    [25, 'text', 'text'],
    [26, 'integer', 'oid'],
    [114, 'json', 'json'],
    [700, 'float', 'float4'],
    [701, 'float', 'float8'],
    [1042, 'text', 'bpchar'],
    [1043, 'text', 'varchar'],
    [1082, 'date', 'date'],
    [1083, 'time', 'time'],
    [1266, 'time', 'timetz'],
    [1114, 'timestamp', 'timestamp'],
    [1186, 'interval', 'interval'],
    [1700, 'decimal', 'numeric'],
    [2950, 'uuid', 'uuid'],
    [3802, 'json', 'jsonb'],
    [5069, 'integer', 'xid8'],
    [1007, 'array', 'int4[]'],
    [1009, 'array', 'text[]'],
    [3807, 'array', 'jsonb[]'],
    [2287, 'array', 'record[]'],
    [6150, 'array', 'int4multirange[]'],
    [3904, 'other', 'int4range'],
    [4451, 'other', 'int4multirange'],
    [790, 'other', 'money'],
    [600, 'other', 'point'],
    [869, 'other', 'inet'],
    [142, 'other', 'xml'],
    [22, 'other', 'int2vector'],
    [2249, 'other', 'record'],
  ])('names OID %i as %s (%s)', (oid, type, dbType) => {
    expect(columnFor('col', oid)).toEqual({ name: 'col', type, dbType });
  });

  it('says which zone a timestamptz column was written in', () => {
    expect(columnFor('at', 1184)).toEqual({
      name: 'at',
      type: 'timestamptz',
      dbType: 'timestamptz',
      timeZone: 'UTC',
    });
    expect(columnFor('at', 1184, 'Europe/Paris').timeZone).toBe('Europe/Paris');
    expect(columnFor('at', 1114, 'Europe/Paris')).not.toHaveProperty('timeZone');
  });

  it.each([
    [0, 'oid:0'],
    [16390, 'oid:16390'],
    [99999, 'oid:99999'],
  ])('names a type of the database’s own (OID %i) as other with its OID', (oid, dbType) => {
    expect(columnFor('thing', oid)).toEqual({ name: 'thing', type: 'other', dbType });
  });

  it('names every built-in type of the server, arrays as their element with []', async () => {
    const sql = postgres(testAdminUrl(), { max: 1, onnotice: () => {} });
    try {
      const types = await sql<{ oid: number; typname: string; element: string | null }[]>`
        select t.oid::int as oid, t.typname, e.typname as element
        from pg_type t left join pg_type e on e.typarray = t.oid
        where t.oid < 10000 order by t.oid`;
      expect(types.length).toBeGreaterThan(190);
      const named = new Set(NAMED_OIDS);
      const missing = types.filter((t) => !named.has(t.oid)).map((t) => `${t.oid} ${t.typname}`);
      expect(missing).toEqual([]);
      for (const t of types) {
        const column = columnFor('c', t.oid);
        expect(column.dbType, `OID ${t.oid}`).toBe(t.element ? `${t.element}[]` : t.typname);
        expect(ColumnType.options).toContain(column.type);
        if (t.element) expect(column.type).toBe('array');
      }
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});
