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
      column: column('number', 'int4'),
      shown: { text: '1,234,567', kind: 'number', align: 'end' },
    },
    {
      name: 'keeps every digit of an int8 sent as text',
      value: '9007199254740993',
      column: column('bigint', 'int8'),
      shown: { text: '9,007,199,254,740,993', kind: 'number', align: 'end' },
    },
    {
      name: 'keeps the scale of a numeric',
      value: '1500.50',
      column: column('number', 'numeric'),
      shown: { text: '1,500.50', kind: 'number', align: 'end' },
    },
    {
      name: 'shows NULL in a text column as NULL',
      value: null,
      column: column('string', 'text'),
      shown: { text: 'NULL', kind: 'null', align: 'start' },
    },
    {
      name: 'tells an empty string apart from NULL',
      value: '',
      column: column('string', 'text'),
      shown: { text: 'empty', kind: 'empty', align: 'start' },
    },
    {
      name: 'shows a text that reads NULL as text',
      value: 'NULL',
      column: column('string', 'text'),
      shown: { text: 'NULL', kind: 'text', align: 'start' },
    },
    {
      name: 'keeps NULL right-aligned in a number column',
      value: null,
      column: column('number', 'int4'),
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
      value: '2026-01-15T09:30:00.000Z',
      column: column('date', 'timestamptz'),
      shown: { text: '2026-01-15 10:30:00 GMT+1', kind: 'date', align: 'start' },
    },
    {
      name: 'keeps the milliseconds of a timestamptz that has them',
      value: '2026-07-01T23:59:59.123Z',
      column: column('date', 'timestamptz'),
      shown: { text: '2026-07-02 01:59:59.123 GMT+2', kind: 'date', align: 'start' },
    },
    {
      name: 'never moves a date into the viewer’s zone',
      value: '2026-01-15T00:00:00.000Z',
      column: column('date', 'date'),
      shown: { text: '2026-01-15', kind: 'date', align: 'start' },
    },
    {
      name: 'shows a timestamp without zone as its wall-clock time',
      value: '2026-01-15T23:30:00.000Z',
      column: column('date', 'timestamp'),
      shown: { text: '2026-01-15 23:30:00', kind: 'date', align: 'start' },
    },
    {
      name: 'leaves a date it cannot read as sent',
      value: 'infinity',
      column: column('date', 'timestamptz'),
      shown: { text: 'infinity', kind: 'date', align: 'start' },
    },
  ] satisfies Array<{ name: string; value: ResultCell; column: Column; shown: FormattedValue }>)(
    '$name',
    ({ value, column, shown }) => {
      expect(formatValue(value, column, 'Europe/Paris')).toEqual(shown);
    },
  );

  it('names the zone of the viewer, whichever it is', () => {
    const shown = formatValue('2026-01-15T09:30:00.000Z', column('date', 'timestamptz'), 'America/New_York');
    expect(shown.text).toBe('2026-01-15 04:30:00 EST');
  });
});

describe('rawText', () => {
  it.each([
    { value: null, text: 'NULL' },
    { value: '', text: '' },
    { value: 1234.5, text: '1234.5' },
    { value: true, text: 'true' },
    { value: '2026-01-15T09:30:00.000Z', text: '2026-01-15T09:30:00.000Z' },
  ] satisfies Array<{ value: ResultCell; text: string }>)('gives $value as sent', ({ value, text }) => {
    expect(rawText(value)).toBe(text);
  });
});
