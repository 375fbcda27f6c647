import type { Cell } from '@quarry/contracts';

/**
 * Any driver value as a JSON-safe cell, for every connector: text and booleans as they are,
 * numbers when finite (else their text), bigints and dates as text, bytes as `\x` hex (as
 * PostgreSQL's bytea prints), anything else as JSON text rather than dropped.
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
      if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
      return JSON.stringify(value);
  }
}
