import type { Cell, Column, ColumnType } from '@quarry/contracts';
import type { FieldPacket } from 'mysql2';
import { toCell } from '../registry/driver-cell';

// Column type codes of the MySQL protocol (include/mysql_com.h, enum_field_types).
const T = {
  DECIMAL: 0x00,
  TINY: 0x01,
  SHORT: 0x02,
  LONG: 0x03,
  FLOAT: 0x04,
  DOUBLE: 0x05,
  NULL: 0x06,
  TIMESTAMP: 0x07,
  LONGLONG: 0x08,
  INT24: 0x09,
  DATE: 0x0a,
  TIME: 0x0b,
  DATETIME: 0x0c,
  YEAR: 0x0d,
  NEWDATE: 0x0e,
  VARCHAR: 0x0f,
  BIT: 0x10,
  TIMESTAMP2: 0x11,
  DATETIME2: 0x12,
  TIME2: 0x13,
  VECTOR: 0xf2,
  JSON: 0xf5,
  NEWDECIMAL: 0xf6,
  ENUM: 0xf7,
  SET: 0xf8,
  TINY_BLOB: 0xf9,
  MEDIUM_BLOB: 0xfa,
  LONG_BLOB: 0xfb,
  BLOB: 0xfc,
  VAR_STRING: 0xfd,
  STRING: 0xfe,
  GEOMETRY: 0xff,
} as const;

const UNSIGNED_FLAG = 32;
const ENUM_FLAG = 256;
const SET_FLAG = 2048;
/** The `binary` character set: a string column with it holds bytes, not text. */
const BINARY_CHARSET = 63;

const NAMES: Record<number, [string, ColumnType]> = {
  [T.DECIMAL]: ['decimal', 'decimal'],
  [T.NEWDECIMAL]: ['decimal', 'decimal'],
  [T.TINY]: ['tinyint', 'integer'],
  [T.SHORT]: ['smallint', 'integer'],
  [T.INT24]: ['mediumint', 'integer'],
  [T.LONG]: ['int', 'integer'],
  [T.LONGLONG]: ['bigint', 'integer'],
  [T.FLOAT]: ['float', 'float'],
  [T.DOUBLE]: ['double', 'float'],
  [T.YEAR]: ['year', 'integer'],
  [T.NULL]: ['null', 'other'],
  [T.DATE]: ['date', 'date'],
  [T.NEWDATE]: ['date', 'date'],
  // Wall-clock text without a zone: DATETIME as stored, TIMESTAMP in the session's time zone, which
  // the server writes without an offset (so not `timestamptz`, whose text carries one).
  [T.DATETIME]: ['datetime', 'timestamp'],
  [T.DATETIME2]: ['datetime', 'timestamp'],
  [T.TIMESTAMP]: ['timestamp', 'timestamp'],
  [T.TIMESTAMP2]: ['timestamp', 'timestamp'],
  [T.TIME]: ['time', 'time'],
  [T.TIME2]: ['time', 'time'],
  [T.BIT]: ['bit', 'other'],
  [T.JSON]: ['json', 'json'],
  [T.ENUM]: ['enum', 'text'],
  [T.SET]: ['set', 'text'],
  [T.GEOMETRY]: ['geometry', 'bytes'],
  [T.VECTOR]: ['vector', 'bytes'],
};

const TEXT_NAMES: Record<number, [text: string, binary: string]> = {
  [T.VARCHAR]: ['varchar', 'varbinary'],
  [T.VAR_STRING]: ['varchar', 'varbinary'],
  [T.STRING]: ['char', 'binary'],
  [T.TINY_BLOB]: ['text', 'blob'],
  [T.MEDIUM_BLOB]: ['text', 'blob'],
  [T.LONG_BLOB]: ['text', 'blob'],
  [T.BLOB]: ['text', 'blob'],
};

const NUMERIC = new Set<number>([
  T.DECIMAL,
  T.NEWDECIMAL,
  T.TINY,
  T.SHORT,
  T.INT24,
  T.LONG,
  T.LONGLONG,
  T.FLOAT,
  T.DOUBLE,
]);
const FRACTIONAL_TIME = new Set<number>([
  T.DATETIME,
  T.DATETIME2,
  T.TIMESTAMP,
  T.TIMESTAMP2,
  T.TIME,
  T.TIME2,
]);

const flagsOf = (field: FieldPacket) => (typeof field.flags === 'number' ? field.flags : 0);
const typeOf = (field: FieldPacket) => field.columnType ?? field.type ?? T.NULL;

/** A result column: its name, Quarry's type, and MySQL's name for it (`bigint unsigned`, `varbinary`). */
export function columnFor(field: FieldPacket): Column {
  const code = typeOf(field);
  const flags = flagsOf(field);
  let known = NAMES[code];
  const text = TEXT_NAMES[code];
  if (text) {
    if (flags & ENUM_FLAG) known = ['enum', 'text'];
    else if (flags & SET_FLAG) known = ['set', 'text'];
    else if (field.characterSet === BINARY_CHARSET) known = [text[1], 'bytes'];
    else known = [text[0], 'text'];
  }
  // MariaDB names its JSON (a text column) and its own types in extended metadata, when sent.
  if (field.extendedFormat === 'json') known = ['json', 'json'];
  else if (field.extendedTypeName) known = [field.extendedTypeName, known?.[1] ?? 'other'];
  if (!known) return { name: field.name, type: 'other', dbType: `type:${code}` };
  const unsigned = NUMERIC.has(code) && flags & UNSIGNED_FLAG ? ' unsigned' : '';
  return { name: field.name, type: known[1], dbType: `${known[0]}${unsigned}` };
}

/**
 * How one column's driver values become JSON-safe cells, exactly: the server's own text for every
 * type except integers of 32 bits or fewer (and YEAR), which mysql2 parses exactly into numbers.
 * DECIMAL, BIGINT, FLOAT and DOUBLE arrive as the server's text (connect.ts); dates and times as
 * the server writes them, never moved to another zone, zero dates included; BIT as its bit
 * string, as wide as the column; bytes as `\x` and hex, as PostgreSQL's bytea; JSON as its text.
 * Fractional seconds are written out to the column's digits, as the text protocol does, for any
 * value that reaches here without them.
 */
export function cellDecoder(field: FieldPacket): (value: unknown) => Cell {
  const code = typeOf(field);
  if (code === T.BIT) {
    const width = Math.max(1, Math.min(64, field.columnLength ?? 1));
    return (value) => (Buffer.isBuffer(value) ? bitString(value, width) : toCell(value));
  }
  if (FRACTIONAL_TIME.has(code) && field.decimals > 0 && field.decimals <= 6) {
    const digits = field.decimals;
    return (value) => (typeof value === 'string' ? withFraction(value, digits) : toCell(value));
  }
  return toCell;
}

/** `b'101'` in a BIT(8) column: `00000101`, the column's width of bits, exact up to BIT(64). */
function bitString(bytes: Buffer, width: number): string {
  if (bytes.length === 0) return '';
  return BigInt(`0x${bytes.toString('hex')}`)
    .toString(2)
    .padStart(width, '0');
}

/** `12:00:00` in a TIME(6) column is `12:00:00.000000`, as the text protocol writes it. */
function withFraction(value: string, digits: number): string {
  const dot = value.lastIndexOf('.');
  const colon = value.lastIndexOf(':');
  if (dot > colon) {
    const fraction = value.length - dot - 1;
    return fraction >= digits ? value : value + '0'.repeat(digits - fraction);
  }
  return `${value}.${'0'.repeat(digits)}`;
}
