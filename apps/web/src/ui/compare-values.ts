import type { ColumnType, Cell as ResultCell } from '@quarry/contracts';

/**
 * Ascending order of a result column's values, by its logical type, read from the database's text
 * (contracts' `Cell`): exact, so `12345678901234567890.5` and `12345678901234567890.4` are not
 * equal as they would be as JS numbers, and `0044-03-15 BC` comes before `0001-01-01`. Orders
 * follow PostgreSQL's: NaN after every number, `-infinity` and `infinity` at the ends. A value
 * whose text cannot be read (a session that set another DateStyle, say) sorts after the rest, by
 * its text. NULLs never reach a comparator: the table puts them last before asking.
 */
export type CompareCells = (a: ResultCell, b: ResultCell) => number;

const collator = new Intl.Collator(undefined, { numeric: true });
const byText: CompareCells = (a, b) => collator.compare(String(a), String(b));
const byCodeUnits: CompareCells = (a, b) => {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export function compareCells(type: ColumnType): CompareCells {
  switch (type) {
    case 'integer':
    case 'decimal':
      return byKey(decimalKey, compareDecimals);
    case 'float':
      return byKey(floatKey, compareFloats);
    case 'boolean':
      return (a, b) => Number(a === true || a === 't') - Number(b === true || b === 't');
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      return byKey(instantKey, compareInstants);
    case 'time':
      return byKey(timeKey, (a, b) => a - b);
    case 'interval':
      return byKey(intervalKey, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    case 'uuid':
    case 'bytes':
      return byCodeUnits;
    default:
      return byText;
  }
}

/** Orders by a key read from each value's text; values without a key go last, by their text. */
function byKey<K>(keyOf: (text: string) => K | null, compare: (a: K, b: K) => number): CompareCells {
  return (a, b) => {
    const x = keyOf(String(a));
    const y = keyOf(String(b));
    if (x === null || y === null) return x === y ? byText(a, b) : x === null ? 1 : -1;
    return compare(x, y);
  };
}

type Decimal =
  | { kind: 'finite'; negative: boolean; whole: string; fraction: string }
  | { kind: 'infinite'; negative: boolean }
  | { kind: 'nan' };

const DECIMAL = /^([+-]?)0*(\d*)(?:\.(\d*?)0*)?$/;

export function decimalKey(text: string): Decimal | null {
  if (text === 'NaN') return { kind: 'nan' };
  if (text === 'Infinity' || text === '-Infinity') return { kind: 'infinite', negative: text[0] === '-' };
  const match = DECIMAL.exec(text);
  if (!match || text === '' || text === '-' || text === '.') return null;
  const [, sign = '', whole = '', fraction = ''] = match;
  return { kind: 'finite', negative: sign === '-' && (whole !== '' || fraction !== ''), whole, fraction };
}

/** Sign, then digits: every digit counts, however many there are. */
function compareDecimals(a: Decimal, b: Decimal): number {
  const rank = (d: Decimal) => (d.kind === 'nan' ? 2 : d.kind === 'infinite' ? (d.negative ? -2 : 1.5) : 0);
  if (a.kind !== 'finite' || b.kind !== 'finite') return Math.sign(rank(a) - rank(b));
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  const magnitude =
    a.whole.length !== b.whole.length
      ? a.whole.length - b.whole.length
      : a.whole !== b.whole
        ? a.whole < b.whole
          ? -1
          : 1
        : a.fraction === b.fraction
          ? 0
          : a.fraction < b.fraction
            ? -1
            : 1;
  return a.negative ? -Math.sign(magnitude) : Math.sign(magnitude);
}

/** A float's shortest exact text reads back as the same double. */
function floatKey(text: string): number | null {
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  return text.trim() === '' || Number.isNaN(value) ? null : value;
}

/** As PostgreSQL orders floats: NaN after Infinity, and equal to itself. */
function compareFloats(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number(Number.isNaN(a)) - Number(Number.isNaN(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

type Instant = { seconds: number; fraction: string };

const INSTANT =
  /^(\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?|Z)?( BC)?$/;

/**
 * Seconds since 1970 of a date, timestamp or timestamptz text (ISO DateStyle, BC years, offsets of
 * hours, minutes and seconds), with its fraction kept as digits so microseconds stay exact.
 */
export function instantKey(text: string): Instant | null {
  if (text === 'infinity') return { seconds: Number.POSITIVE_INFINITY, fraction: '' };
  if (text === '-infinity') return { seconds: Number.NEGATIVE_INFINITY, fraction: '' };
  const m = INSTANT.exec(text);
  if (!m) return null;
  const n = (i: number) => Number(m[i] ?? 0);
  // Year 1 BC is year 0 of the proleptic Gregorian calendar.
  const year = m[12] ? 1 - n(1) : n(1);
  const offset = (m[8] === '-' ? -1 : 1) * (n(9) * 3600 + n(10) * 60 + n(11));
  const seconds = daysFromCivil(year, n(2), n(3)) * 86_400 + n(4) * 3600 + n(5) * 60 + n(6) - offset;
  return { seconds, fraction: (m[7] ?? '').replace(/0+$/, '') };
}

function compareInstants(a: Instant, b: Instant): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.fraction === b.fraction ? 0 : a.fraction < b.fraction ? -1 : 1;
}

/** Days from 1970-01-01 to a proleptic Gregorian date, for any year (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const TIME = /^(-?)(\d{2,}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;

/** Microseconds of a time of day (or MySQL's signed TIME), moved to UTC by its offset if it has one. */
function timeKey(text: string): number | null {
  const m = TIME.exec(text);
  if (!m) return null;
  const n = (i: number) => Number(m[i] ?? 0);
  const micros = ((n(2) * 60 + n(3)) * 60 + n(4)) * 1_000_000 + Number((m[5] ?? '').padEnd(6, '0'));
  const offset = (m[6] === '-' ? -1 : 1) * (n(7) * 3600 + n(8) * 60 + n(9)) * 1_000_000;
  return (m[1] === '-' ? -micros : micros) - offset;
}

const INTERVAL = /^(?:-?\d+ (?:year|mon|day)s? ?)*(?:[+-]?\d+:\d{2}:\d{2}(?:\.\d{1,6})?)?$/;
const INTERVAL_PART = /(-?\d+) (year|mon|day)s?|([+-])?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?/g;
const MICROS_PER_DAY = 86_400_000_000n;
const DAYS_IN = { year: 360n, mon: 30n, day: 1n } as const;

/**
 * Microseconds of an interval in PostgreSQL's own style (`1 year 2 mons -3 days +04:05:06.5`),
 * counting a month as 30 days as PostgreSQL does when it compares intervals. BigInt: a few
 * million years of microseconds is past 2^53.
 */
export function intervalKey(text: string): bigint | null {
  if (text === 'infinity') return 2n ** 200n;
  if (text === '-infinity') return -(2n ** 200n);
  if (text === '' || !INTERVAL.test(text)) return null;
  let total = 0n;
  for (const m of text.matchAll(INTERVAL_PART)) {
    const unit = m[2] as keyof typeof DAYS_IN | undefined;
    if (unit) {
      total += BigInt(m[1] ?? '0') * DAYS_IN[unit] * MICROS_PER_DAY;
      continue;
    }
    const micros =
      ((BigInt(m[4] ?? '0') * 60n + BigInt(m[5] ?? '0')) * 60n + BigInt(m[6] ?? '0')) * 1_000_000n +
      BigInt((m[7] ?? '').padEnd(6, '0'));
    total += m[3] === '-' ? -micros : micros;
  }
  return total;
}
