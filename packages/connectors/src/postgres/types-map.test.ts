import { describe, expect, it } from 'vitest';
import { columnFor, toCell } from './types-map';

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
    [20, 'bigint', 'int8'],
    [21, 'number', 'int2'],
    [23, 'number', 'int4'],
    [25, 'string', 'text'],
    [114, 'json', 'json'],
    [701, 'number', 'float8'],
    [1043, 'string', 'varchar'],
    [1082, 'date', 'date'],
    [1114, 'date', 'timestamp'],
    [1184, 'date', 'timestamptz'],
    [1186, 'string', 'interval'],
    [1700, 'number', 'numeric'],
    [2950, 'string', 'uuid'],
    [3802, 'json', 'jsonb'],
  ])('names OID %i as %s (%s)', (oid, type, dbType) => {
    expect(columnFor('col', oid)).toEqual({ name: 'col', type, dbType });
  });

  it.each([
    [1007, 'oid:1007'],
    [600, 'oid:600'],
    [0, 'oid:0'],
    [99999, 'oid:99999'],
  ])('names an unknown OID %i as other with its OID', (oid, dbType) => {
    expect(columnFor('thing', oid)).toEqual({ name: 'thing', type: 'other', dbType });
  });
});
