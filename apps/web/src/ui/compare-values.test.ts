import type { ColumnType, Cell as ResultCell } from '@quarry/contracts';
import { describe, expect, it } from 'vitest';
import { compareCells, daysFromCivil, instantKey, intervalKey } from './compare-values';

const sorted = (type: ColumnType, values: ResultCell[]) => [...values].sort(compareCells(type));
const shuffled = <T>(values: T[]) =>
  [...values].reverse().sort((a, b) => (String(a).length % 3) - (String(b).length % 3));

describe('compareCells', () => {
  it.each<[ColumnType, ResultCell[]]>([
    [
      'integer',
      [
        '-9223372036854775808',
        -2147483648,
        -1,
        0,
        7,
        2147483647,
        '9007199254740992',
        '9007199254740993',
        '9223372036854775807',
      ],
    ],
    [
      'decimal',
      [
        '-Infinity',
        '-1234567890123456789012345678901234567890.0123456789',
        '-1.5',
        '-0.000000000000000000001',
        '0',
        '0.000100',
        '0.5',
        '12345678901234567890.4',
        '12345678901234567890.5',
        '1234567890123456789012345678901234567890.0123456789',
        'Infinity',
        'NaN',
      ],
    ],
    [
      'float',
      ['-Infinity', '-1.7976931348623157e+308', '-1', '1e-07', '0.1', '3.14', '1e+300', 'Infinity', 'NaN'],
    ],
    ['boolean', [false, true]],
    [
      'date',
      [
        '-infinity',
        '4714-11-24 BC',
        '0044-03-15 BC',
        '0001-12-31 BC',
        '0001-01-01',
        '1969-12-31',
        '2024-02-29',
        '9999-12-31',
        '5874897-12-31',
        'infinity',
      ],
    ],
    [
      'timestamp',
      [
        '-infinity',
        '0044-03-15 12:00:00 BC',
        '1970-01-01 00:00:00',
        '1970-01-01 00:00:00.000001',
        '1970-01-01 00:00:00.1',
        '1970-01-01 00:00:00.123456',
        '2024-02-29 13:45:00.123456',
        '294276-12-31 23:59:59.999999',
        'infinity',
      ],
    ],
    [
      'timestamptz',
      // By the instant, not the text: 13:00+05:30 is before 08:00+00.
      [
        '0044-03-15 12:00:00+00 BC',
        '2024-01-01 13:00:00+05:30',
        '2024-01-01 08:00:00+00',
        '2024-01-01 03:00:00.5-05',
        'infinity',
      ],
    ],
    ['time', ['00:00:00', '00:00:00.000001', '09:30:00', '23:59:59.999999', '24:00:00']],
    [
      'interval',
      [
        '-1 years',
        '-1 days +02:00:00',
        '00:00:00',
        '00:00:00.000001',
        '1 day',
        '1 mon',
        '1 mon 1 day',
        '1 year',
        '178000000 years',
      ],
    ],
    ['uuid', ['0eebc99a-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']],
  ])('orders %s values as the database would', (type, ordered) => {
    expect(sorted(type, shuffled(ordered))).toEqual(ordered);
    expect(sorted(type, [...ordered].reverse())).toEqual(ordered);
  });

  it('tells apart numerics that are equal as JS numbers', () => {
    const compare = compareCells('decimal');
    expect(Number('12345678901234567890.4')).toBe(Number('12345678901234567890.5'));
    expect(compare('12345678901234567890.4', '12345678901234567890.5')).toBe(-1);
    expect(compare('1.50', '1.5')).toBe(0);
    expect(compare('-0', '0')).toBe(0);
  });

  it('puts text it cannot read after the values it can, by their text', () => {
    expect(sorted('date', ['b', '2024-01-01', 'a'])).toEqual(['2024-01-01', 'a', 'b']);
    expect(sorted('integer', ['x', '2', 10])).toEqual(['2', 10, 'x']);
  });
});

describe('instantKey', () => {
  it('reads a date, a BC date and an offset with seconds', () => {
    expect(instantKey('1970-01-02')).toEqual({ seconds: 86_400, fraction: '' });
    expect(instantKey('0001-01-01 BC')?.seconds).toBe(daysFromCivil(0, 1, 1) * 86_400);
    expect(instantKey('1970-01-01 00:00:00.250+00:09:21')).toEqual({ seconds: -561, fraction: '25' });
  });
});

describe('daysFromCivil', () => {
  it('agrees with Date over the years Date knows', () => {
    for (const [y, m, d] of [
      [1970, 1, 1],
      [2024, 2, 29],
      [1, 1, 1],
      [-43, 3, 15],
      [275759, 12, 31],
    ] as const) {
      const date = new Date(0);
      date.setUTCFullYear(y, m - 1, d);
      expect(daysFromCivil(y, m, d) * 86_400_000).toBe(date.getTime());
    }
  });
});

describe('intervalKey', () => {
  it('counts a month as 30 days and keeps microseconds', () => {
    expect(intervalKey('1 mon')).toBe(intervalKey('30 days'));
    expect(intervalKey('1 year 2 mons 3 days 04:05:06.000007')).toBe(
      (((360n + 60n + 3n) * 24n + 4n) * 3600n + 5n * 60n + 6n) * 1_000_000n + 7n,
    );
    expect(intervalKey('-1 days +02:00:00')).toBe(-22n * 3600n * 1_000_000n);
    expect(intervalKey('P1Y')).toBeNull();
  });
});
