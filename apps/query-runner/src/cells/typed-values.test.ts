import type { ColumnType } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { kernelValue, outputTable, sqlTableForKernel, uniqueKeys } from './typed-values';

describe('values into a JS cell', () => {
  const cases: [ColumnType, string | number | boolean | null, unknown][] = [
    ['integer', 7, 7],
    ['integer', '9007199254740991', 9007199254740991],
    ['integer', '9007199254740992', '9007199254740992'],
    ['integer', '-9223372036854775808', '-9223372036854775808'],
    ['decimal', '1234.50', 1234.5],
    ['decimal', '0.000000000000001', 0.000000000000001],
    ['decimal', '123456789012345', 123456789012345],
    ['decimal', '1234567890123456', '1234567890123456'],
    ['decimal', '100000000000000000000', 100000000000000000000],
    ['decimal', 'NaN', 'NaN'],
    ['decimal', '-Infinity', '-Infinity'],
    ['float', '1e-07', 1e-7],
    ['float', '-0', -0],
    ['float', 'NaN', 'NaN'],
    ['boolean', true, true],
    ['date', '2026-01-15', '2026-01-15'],
    ['date', 'infinity', 'infinity'],
    ['timestamp', '2026-01-15 13:45:00.123456', '2026-01-15 13:45:00.123456'],
    ['json', '{"n":1}', { n: 1 }],
    ['json', 'not json', 'not json'],
    ['text', '', ''],
    ['text', null, null],
    ['uuid', '00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000000'],
  ];
  for (const [type, cell, expected] of cases) {
    it(`hands ${type} ${JSON.stringify(cell)} over as ${JSON.stringify(expected)}`, () => {
      expect(kernelValue(type, cell)).toEqual(expected);
    });
  }

  it('keeps every column of a result whose names repeat', () => {
    expect(uniqueKeys(['a', 'a', 'a_2', 'b'])).toEqual(['a', 'a_2', 'a_2_2', 'b']);
    expect(
      sqlTableForKernel(
        [
          { name: 'a', type: 'integer', dbType: 'int4' },
          { name: 'a', type: 'text', dbType: 'text' },
        ],
        [[1, 'x']],
      ),
    ).toEqual([{ a: 1, a_2: 'x' }]);
  });
});

describe('a JS table out to the reader', () => {
  it('types columns from the kinds the isolate saw, checked against the values', () => {
    const table = outputTable({
      kind: 'table',
      columns: ['i', 'big', 'f', 'claimed_int'],
      rows: [
        [1, '123456789012345678901234567890', 0.5, 'not a number'],
        [2 ** 40, 3, 2, 1],
      ],
      types: ['integer', 'bigint', 'float', 'integer'],
    });
    expect(table.columns.map((c) => [c.name, c.type, c.dbType])).toEqual([
      ['i', 'integer', 'number'],
      ['big', 'integer', 'bigint'],
      ['f', 'float', 'number'],
      // A kind the values do not bear out is not believed: the column is text.
      ['claimed_int', 'text', 'mixed'],
    ]);
    expect(table.rows).toEqual([
      [1, '123456789012345678901234567890', '0.5', 'not a number'],
      ['1099511627776', 3, '2', '1'],
    ]);
  });

  it('writes a table without kinds as text', () => {
    const table = outputTable({ kind: 'table', columns: ['x'], rows: [[{ a: 1 }], [true], [null]] });
    expect(table.columns).toEqual([{ name: 'x', type: 'text', dbType: 'mixed' }]);
    expect(table.rows).toEqual([['{"a":1}'], ['true'], [null]]);
  });
});
