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
export function formatInstant(date: Date, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const part of zonedFormat(timeZone).formatToParts(date)) parts[part.type] = part.value;
  const millis =
    parts.fractionalSecond && parts.fractionalSecond !== '000' ? `.${parts.fractionalSecond}` : '';
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}${millis} ${parts.timeZoneName}`;
}

/**
 * A calendar date or a wall-clock time without a zone, from the ISO text the runner sends: these
 * name no instant, so they are shown as written, never moved into the viewer's zone.
 */
function formatWallClock(iso: string, dbType: string): string | null {
  const match = /^(\d{4,}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(iso);
  if (!match) return null;
  const [, day = '', time = '', fraction = ''] = match;
  if (dbType === 'date') return day;
  const millis = fraction && !/^\.0+$/.test(fraction) ? fraction : '';
  return `${day} ${time}${millis}`;
}

function formatDateCell(value: string, column: Column, timeZone: string): string {
  // timestamptz is an instant: shown in the viewer's zone. date and timestamp are not.
  if (column.dbType !== 'timestamptz') return formatWallClock(value, column.dbType) ?? value;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : formatInstant(date, timeZone);
}

/** One result value as a person reads it, by its column's type. */
export function formatValue(value: ResultCell, column: Column, timeZone: string): FormattedValue {
  const numeric = column.type === 'number' || column.type === 'bigint';
  const align = numeric ? 'end' : 'start';
  if (value === null) return { text: 'NULL', kind: 'null', align };
  if (typeof value === 'boolean') return { text: value ? 'true' : 'false', kind: 'boolean', align };
  if (value === '') return { text: 'empty', kind: 'empty', align };
  if (numeric) return { text: groupDigits(value), kind: 'number', align };
  if (typeof value === 'number') return { text: String(value), kind: 'text', align };
  if (column.type === 'date') return { text: formatDateCell(value, column, timeZone), kind: 'date', align };
  return { text: value, kind: 'text', align };
}

/** The value exactly as the database sent it, for the raw view and copying. */
export function rawText(value: ResultCell): string {
  if (value === null) return 'NULL';
  return String(value);
}
