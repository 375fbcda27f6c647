import type { Column, ColumnType, Cell as ResultCell } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { type FormattedValue, formatValue, groupDigits, rawText } from './format-value';

const column = (type: ColumnType, dbType: string): Column => ({ name: 'c', type, dbType });

describe('groupDigits', () => {
  it.each([
    { value: 0, text: '0' },
    { value: 999, text: '999' },
    { value: 1000, text: '1,000' },
    { value: -1234567, text: '-1,234,567' },
    { value: 1234.5, text: '1,234.5' },
    { value: '9223372036854775807', text: '9,223,372,036,854,775,807' },
    { value: '12345.678900', text: '12,345.678900' },
    { value: 'NaN', text: 'NaN' },
    { value: 1e21, text: '1e+21' },
  ])('writes $value as $text', ({ value, text }) => {
    expect(groupDigits(value)).toBe(text);
  });
});

describe('formatValue', () => {
  it.each([
    {
      name: 'right-aligns an int4 with grouping',
      value: 1234567,
      column: column('integer', 'int4'),
      shown: { text: '1,234,567', kind: 'number', align: 'end' },
    },
    {
      name: 'keeps every digit of an int8 sent as text',
      value: '9007199254740993',
      column: column('integer', 'int8'),
      shown: { text: '9,007,199,254,740,993', kind: 'number', align: 'end' },
    },
    {
      name: 'keeps the scale of a numeric',
      value: '1500.50',
      column: column('decimal', 'numeric'),
      shown: { text: '1,500.50', kind: 'number', align: 'end' },
    },
    {
      name: 'keeps 40 digits of a numeric',
      value: '-1234567890123456789012345678901234567890.0123456789',
      column: column('decimal', 'numeric'),
      shown: {
        text: '-1,234,567,890,123,456,789,012,345,678,901,234,567,890.0123456789',
        kind: 'number',
        align: 'end',
      },
    },
    {
      name: 'shows a float’s text as the database wrote it',
      value: '1e-07',
      column: column('float', 'float8'),
      shown: { text: '1e-07', kind: 'number', align: 'end' },
    },
    {
      name: 'shows -0 and Infinity of a float',
      value: '-Infinity',
      column: column('float', 'float8'),
      shown: { text: '-Infinity', kind: 'number', align: 'end' },
    },
    {
      name: 'shows NULL in a text column as NULL',
      value: null,
      column: column('text', 'text'),
      shown: { text: 'NULL', kind: 'null', align: 'start' },
    },
    {
      name: 'tells an empty string apart from NULL',
      value: '',
      column: column('text', 'text'),
      shown: { text: 'empty', kind: 'empty', align: 'start' },
    },
    {
      name: 'shows a text that reads NULL as text',
      value: 'NULL',
      column: column('text', 'text'),
      shown: { text: 'NULL', kind: 'text', align: 'start' },
    },
    {
      name: 'keeps NULL right-aligned in a number column',
      value: null,
      column: column('integer', 'int4'),
      shown: { text: 'NULL', kind: 'null', align: 'end' },
    },
    {
      name: 'writes booleans as words',
      value: false,
      column: column('boolean', 'bool'),
      shown: { text: 'false', kind: 'boolean', align: 'start' },
    },
    {
      name: 'shows a timestamptz in the viewer’s zone with the zone',
      value: '2026-01-15 09:30:00+00',
      column: column('timestamptz', 'timestamptz'),
      shown: { text: '2026-01-15 10:30:00 GMT+1', kind: 'date', align: 'start' },
    },
    {
      name: 'keeps the microseconds of a timestamptz',
      value: '2026-07-01 23:59:59.123456+00',
      column: column('timestamptz', 'timestamptz'),
      shown: { text: '2026-07-02 01:59:59.123456 GMT+2', kind: 'date', align: 'start' },
    },
    {
      name: 'reads a timestamptz written with another offset',
      value: '2026-01-15 15:00:00.5+05:30',
      column: column('timestamptz', 'timestamptz'),
      shown: { text: '2026-01-15 10:30:00.5 GMT+1', kind: 'date', align: 'start' },
    },
    {
      name: 'shows an infinite timestamptz as written',
      value: 'infinity',
      column: column('timestamptz', 'timestamptz'),
      shown: { text: 'infinity', kind: 'date', align: 'start' },
    },
    {
      name: 'shows a BC timestamptz as written',
      value: '0044-03-15 12:00:00+00 BC',
      column: column('timestamptz', 'timestamptz'),
      shown: { text: '0044-03-15 12:00:00+00 BC', kind: 'date', align: 'start' },
    },
    {
      name: 'never moves a date into the viewer’s zone',
      value: '2026-01-15',
      column: column('date', 'date'),
      shown: { text: '2026-01-15', kind: 'date', align: 'start' },
    },
    {
      name: 'shows a BC date as written',
      value: '0044-03-15 BC',
      column: column('date', 'date'),
      shown: { text: '0044-03-15 BC', kind: 'date', align: 'start' },
    },
    {
      name: 'shows a timestamp without zone as its wall-clock time, never as UTC',
      value: '2026-01-15 23:30:00.000001',
      column: column('timestamp', 'timestamp'),
      shown: { text: '2026-01-15 23:30:00.000001', kind: 'date', align: 'start' },
    },
    {
      name: 'shows an interval as written',
      value: '1 year 2 mons 3 days 04:05:06.000007',
      column: column('interval', 'interval'),
      shown: { text: '1 year 2 mons 3 days 04:05:06.000007', kind: 'date', align: 'start' },
    },
    {
      name: 'shows an array in the database’s text',
      value: '{1,NULL,"a b"}',
      column: column('array', 'text[]'),
      shown: { text: '{1,NULL,"a b"}', kind: 'text', align: 'start' },
    },
  ] satisfies Array<{ name: string; value: ResultCell; column: Column; shown: FormattedValue }>)(
    '$name',
    ({ value, column, shown }) => {
      expect(formatValue(value, column, 'Europe/Paris')).toEqual(shown);
    },
  );

  it('names the zone of the viewer, whichever it is', () => {
    const shown = formatValue(
      '2026-01-15 09:30:00+00',
      column('timestamptz', 'timestamptz'),
      'America/New_York',
    );
    expect(shown.text).toBe('2026-01-15 04:30:00 EST');
  });
});

describe('rawText', () => {
  it.each([
    { value: null, text: 'NULL' },
    { value: '', text: '' },
    { value: 1234.5, text: '1234.5' },
    { value: true, text: 'true' },
    { value: '2026-01-15 09:30:00.123456+00', text: '2026-01-15 09:30:00.123456+00' },
  ] satisfies Array<{ value: ResultCell; text: string }>)('gives $value as sent', ({ value, text }) => {
    expect(rawText(value)).toBe(text);
  });
});
