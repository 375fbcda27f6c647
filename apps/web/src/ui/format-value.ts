import type { Column, Cell as ResultCell } from '@quarry/contracts';

/** How one result value reads: the text shown, how it is styled, and which way it aligns. */
export type FormattedValue = {
  text: string;
  kind: 'null' | 'empty' | 'number' | 'boolean' | 'date' | 'text';
  align: 'start' | 'end';
};

const PLAIN_NUMBER = /^(-?)(\d+)(\.\d+)?$/;

/**
 * "1234567.50" → "1,234,567.50". Works on the digits as text, so int8 and numeric values (sent as
 * strings to stay exact beyond 2^53) keep every digit; anything else (NaN, 1e+21) is left as is.
 */
export function groupDigits(value: number | string): string {
  const text = String(value);
  const match = PLAIN_NUMBER.exec(text);
  if (!match) return text;
  const [, sign = '', whole = '', fraction = ''] = match;
  return `${sign}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${fraction}`;
}

const zoned = new Map<string, Intl.DateTimeFormat>();

function zonedFormat(timeZone: string): Intl.DateTimeFormat {
  let format = zoned.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      fractionalSecondDigits: 3,
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    zoned.set(timeZone, format);
  }
  return format;
}

/** The viewer's time zone, as the browser reports it. */
export const viewerTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** "2026-11-27 15:04:05 GMT+1": an instant in a zone, the zone shown, milliseconds only when set. */
export function formatInstant(date: Date, timeZone: string, fraction?: string): string {
  const parts: Record<string, string> = {};
  for (const part of zonedFormat(timeZone).formatToParts(date)) parts[part.type] = part.value;
  const millis =
    fraction !== undefined
      ? fraction && `.${fraction}`
      : parts.fractionalSecond && parts.fractionalSecond !== '000'
        ? `.${parts.fractionalSecond}`
        : '';
  return `${(parts.year ?? '').padStart(4, '0')}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}${millis} ${parts.timeZoneName}`;
}

const TIMESTAMPTZ =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

/**
 * A timestamptz, as the server wrote it (`2026-01-15 09:30:00.123456+00`), in the viewer's zone
 * with every digit of its fraction: the zone moves whole seconds, so the fraction is the server's.
 * Infinities, BC years and years past 9999 are shown as the server wrote them.
 */
function formatTimestamptz(text: string, timeZone: string): string {
  const m = TIMESTAMPTZ.exec(text);
  if (!m) return text;
  const n = (i: number) => Number(m[i] ?? 0);
  const offset = (m[8] === '-' ? -1 : 1) * (n(9) * 3600 + n(10) * 60 + n(11));
  const date = new Date(0);
  date.setUTCFullYear(n(1), n(2) - 1, n(3));
  date.setUTCHours(n(4), n(5), n(6) - offset, 0);
  return Number.isNaN(date.getTime()) ? text : formatInstant(date, timeZone, m[7] ?? '');
}

const NUMERIC_TYPES = new Set<Column['type']>(['integer', 'decimal', 'float']);
const TEMPORAL_TYPES = new Set<Column['type']>(['date', 'time', 'timestamp', 'timestamptz', 'interval']);

/** Whether a column holds numbers: right-aligned and sorted by value. */
export const isNumeric = (type: Column['type']): boolean => NUMERIC_TYPES.has(type);

/**
 * One result value as a person reads it, by its column's logical type. Values are the database's
 * text (contracts' Cell): numbers get their digits grouped, every digit kept; a timestamptz is
 * shown in the viewer's zone; a date, a timestamp without zone, a time and an interval are shown
 * as the database wrote them, never moved to a zone.
 */
export function formatValue(value: ResultCell, column: Column, timeZone: string): FormattedValue {
  const numeric = isNumeric(column.type);
  const align = numeric ? 'end' : 'start';
  if (value === null) return { text: 'NULL', kind: 'null', align };
  if (typeof value === 'boolean') return { text: value ? 'true' : 'false', kind: 'boolean', align };
  if (value === '') return { text: 'empty', kind: 'empty', align };
  if (numeric) return { text: groupDigits(value), kind: 'number', align };
  if (typeof value === 'number') return { text: String(value), kind: 'text', align };
  if (column.type === 'timestamptz') return { text: formatTimestamptz(value, timeZone), kind: 'date', align };
  if (TEMPORAL_TYPES.has(column.type)) return { text: value, kind: 'date', align };
  return { text: value, kind: 'text', align };
}

/** The value exactly as the database sent it, for the raw view and copying. */
export function rawText(value: ResultCell): string {
  if (value === null) return 'NULL';
  return String(value);
}
