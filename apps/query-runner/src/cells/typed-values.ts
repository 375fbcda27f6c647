import type { Cell, Column, ColumnType } from '@quarry/contracts';
import type { CellResult, JsColumnKind } from '../kernels/cell-result';

/**
 * How values cross between SQL results, JS cells and the reader. A JS cell receives JSON (KRN-3:
 * copies only), so every value must be a JSON value that says exactly what the database said:
 *
 * Into a JS cell, by the column's logical type (a table is an array of row objects keyed by column
 * name; a repeated name gets `_2`, `_3`…):
 * - `integer`: a number when it is a safe integer (|n| ≤ 2^53 − 1), else its exact decimal text
 *   (`BigInt(value)` makes it a bigint): never a rounded number.
 * - `decimal`: a number when it has at most 15 significant digits (every such decimal survives a
 *   double exactly: numeric(12,2) always does), else its exact text; `NaN` and `±Infinity` as text.
 * - `float`: a number (the server's shortest text is exact); `NaN` and `±Infinity` as text, since
 *   JSON has no such numbers.
 * - `boolean`: a boolean. NULL is null everywhere, never '' or undefined.
 * - `date`, `time`, `timestamp`, `timestamptz`, `interval`: the database's own text, kept exact
 *   (microseconds, BC dates, `infinity`), never a JS Date: a Date is an instant in UTC, so a date or
 *   a timestamp without time zone would be shifted, and microseconds cut. `new Date(text)` is the
 *   cell's own choice.
 * - `json`: parsed (the text when it does not parse).
 * - everything else (`text`, `uuid`, `bytes`, `array`, `other`): the database's text.
 *
 * Out of a JS cell, typed from the JS values the isolate saw (`JsColumnKind`), checked here against
 * the values themselves (a column whose values do not fit its kind becomes `text`):
 * - numbers that are all integers → `integer` (int32 as numbers, larger ones as exact text, as
 *   PostgreSQL's int8 arrives); any fraction → `float`, as the number's shortest text;
 * - bigint (with or without numbers) → `integer`, as decimal text;
 * - string → `text`; boolean → `boolean`; Date → `timestamptz`, ISO text in UTC;
 * - objects and arrays → `json`, as JSON text; a column of nulls → `text`; a mix → `text`.
 */

const MAX_INT32 = 2 ** 31 - 1;
const MIN_INT32 = -(2 ** 31);
const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^[-+]?(\d+)(?:\.(\d+))?$/;

/** A SQL value as a JS cell receives it (see above). */
export function kernelValue(type: ColumnType, cell: Cell): unknown {
  if (cell === null || typeof cell === 'boolean') return cell;
  if (typeof cell === 'number') return cell;
  switch (type) {
    case 'integer': {
      if (!INTEGER_TEXT.test(cell)) return cell;
      const n = Number(cell);
      return Number.isSafeInteger(n) ? n : cell;
    }
    case 'decimal':
      return exactDecimal(cell) ?? cell;
    case 'float': {
      const n = Number(cell);
      return Number.isFinite(n) ? n : cell;
    }
    case 'boolean':
      return cell === 'true' || cell === 't' ? true : cell === 'false' || cell === 'f' ? false : cell;
    case 'json':
      try {
        return JSON.parse(cell) as unknown;
      } catch {
        return cell;
      }
    default:
      return cell;
  }
}

/** The number a decimal text names, when a double holds it exactly (≤ 15 significant digits). */
function exactDecimal(text: string): number | undefined {
  const m = DECIMAL_TEXT.exec(text);
  if (!m) return undefined;
  const digits = `${m[1] ?? ''}${m[2] ?? ''}`.replace(/^0+/, '').replace(/0+$/, '');
  if (digits.length > 15) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Column names as object keys: a repeated name gets `_2`, `_3`… so no value is lost. */
export function uniqueKeys(names: readonly string[]): string[] {
  const taken = new Set<string>();
  return names.map((name) => {
    let key = name;
    for (let i = 2; taken.has(key); i++) key = `${name}_${i}`;
    taken.add(key);
    return key;
  });
}

/** A SQL result as a JS cell receives it: an array of row objects with typed values. */
export function sqlTableForKernel(
  columns: readonly Column[],
  rows: readonly Cell[][],
): Record<string, unknown>[] {
  const keys = uniqueKeys(columns.map((c) => c.name));
  const types = columns.map((c) => c.type);
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (let j = 0; j < keys.length; j++)
      out[keys[j] as string] = kernelValue(types[j] ?? 'text', row[j] ?? null);
    return out;
  });
}

/** A JS cell's table result as the next JS cell receives it: row objects, like a SQL result. */
export function jsTableForKernel(table: OutputTable): Record<string, unknown>[] {
  return sqlTableForKernel(table.columns, table.rows);
}

export type OutputTable = { columns: Column[]; rows: Cell[][] };

/** A JS cell's table as the reader receives it: columns typed from its values, values as Cells. */
export function outputTable(result: Extract<CellResult, { kind: 'table' }>): OutputTable {
  const width = result.columns.length;
  const columns: Column[] = [];
  const converters: ((v: unknown) => Cell)[] = [];
  for (let j = 0; j < width; j++) {
    const claimed = result.types?.[j] ?? 'mixed';
    const kind = fits(claimed, result.rows, j) ? claimed : 'mixed';
    const { column, convert } = columnOf(result.columns[j] as string, kind);
    columns.push(column);
    converters.push(convert);
  }
  const rows = result.rows.map((row) => {
    const out = new Array<Cell>(width);
    for (let j = 0; j < width; j++) out[j] = (converters[j] as (v: unknown) => Cell)(row[j] ?? null);
    return out;
  });
  return { columns, rows };
}

/** Whether every value of column `j` is what its claimed kind says (after JSON). */
function fits(kind: JsColumnKind, rows: readonly unknown[][], j: number): boolean {
  const ok = FITS[kind];
  for (const row of rows) {
    const v = row[j];
    if (v !== null && v !== undefined && !ok(v)) return false;
  }
  return true;
}

const FITS: Record<JsColumnKind, (v: unknown) => boolean> = {
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  bigint: (v) =>
    (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && INTEGER_TEXT.test(v)),
  float: (v) => typeof v === 'number',
  text: (v) => typeof v === 'string',
  boolean: (v) => typeof v === 'boolean',
  // A Date crossed as its ISO text (toJSON).
  date: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
  json: () => true,
  null: () => false,
  mixed: () => true,
};

const integerCell = (v: unknown): Cell =>
  typeof v === 'number' ? (v >= MIN_INT32 && v <= MAX_INT32 ? v : integerText(v)) : String(v);

/** An integer number's exact decimal text (String(1e21) would be exponent notation). */
const integerText = (v: number): string => BigInt(v).toString();

const textOf = (v: unknown): Cell => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
};

function columnOf(name: string, kind: JsColumnKind): { column: Column; convert: (v: unknown) => Cell } {
  const nullable = (f: (v: unknown) => Cell) => (v: unknown) => (v === null || v === undefined ? null : f(v));
  switch (kind) {
    case 'integer':
      return { column: { name, type: 'integer', dbType: 'number' }, convert: nullable(integerCell) };
    case 'bigint':
      return { column: { name, type: 'integer', dbType: 'bigint' }, convert: nullable(integerCell) };
    case 'float':
      return { column: { name, type: 'float', dbType: 'number' }, convert: nullable((v) => String(v)) };
    case 'boolean':
      return { column: { name, type: 'boolean', dbType: 'boolean' }, convert: nullable((v) => v as boolean) };
    case 'text':
      return { column: { name, type: 'text', dbType: 'string' }, convert: nullable((v) => v as string) };
    case 'date':
      return {
        column: { name, type: 'timestamptz', dbType: 'Date', timeZone: 'UTC' },
        convert: nullable((v) => v as string),
      };
    case 'json':
      return {
        column: { name, type: 'json', dbType: 'object' },
        convert: nullable((v) => JSON.stringify(v)),
      };
    case 'null':
      return { column: { name, type: 'text', dbType: 'null' }, convert: () => null };
    case 'mixed':
      return { column: { name, type: 'text', dbType: 'mixed' }, convert: textOf };
  }
}
