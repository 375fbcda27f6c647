import type { Cell, Column, ColumnType } from '@quarry/contracts';

// The OIDs of PostgreSQL's built-in types we name; anything else is 'other' with its OID.
const TYPES: Record<number, [string, ColumnType]> = {
  16: ['bool', 'boolean'],
  17: ['bytea', 'bytes'],
  18: ['char', 'string'],
  19: ['name', 'string'],
  20: ['int8', 'bigint'],
  21: ['int2', 'number'],
  23: ['int4', 'number'],
  25: ['text', 'string'],
  26: ['oid', 'number'],
  114: ['json', 'json'],
  700: ['float4', 'number'],
  701: ['float8', 'number'],
  1042: ['bpchar', 'string'],
  1043: ['varchar', 'string'],
  1082: ['date', 'date'],
  1083: ['time', 'string'],
  1114: ['timestamp', 'date'],
  1184: ['timestamptz', 'date'],
  1186: ['interval', 'string'],
  1700: ['numeric', 'number'],
  2950: ['uuid', 'string'],
  3802: ['jsonb', 'json'],
};

export function columnFor(name: string, oid: number): Column {
  const known = TYPES[oid];
  return { name, type: known?.[1] ?? 'other', dbType: known?.[0] ?? `oid:${oid}` };
}

/**
 * A driver value as a JSON-safe cell. int8 and numeric stay strings (exact beyond 2^53); dates
 * become ISO strings; JSON and arrays become their JSON text.
 */
export function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    default:
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
      if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
      return JSON.stringify(value);
  }
}
