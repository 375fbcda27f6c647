import type { QuarryError } from '@quarry/contracts';
import { type SqlDialect, sqlReferences } from '@quarry/notebook';

export type SqlPosition = { line: number; column: number; text: string };

/**
 * Where a database's 1-based character position falls in the SQL: line and column (both 1-based)
 * and the text of that line. Null when the position is missing or outside the source.
 */
export function sqlPositionOf(source: string, position: unknown): SqlPosition | null {
  if (typeof position !== 'number' || !Number.isInteger(position)) return null;
  if (position < 1 || position > source.length + 1) return null;
  const before = source.slice(0, position - 1);
  const lineStart = before.lastIndexOf('\n') + 1;
  const lineEnd = source.indexOf('\n', lineStart);
  const line = before.split('\n').length;
  const text = source.slice(lineStart, lineEnd === -1 ? undefined : lineEnd).replace(/\r$/, '');
  return { line, column: position - lineStart, text };
}

const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/**
 * The database counts a SQL error's position in the SQL it was sent: the cell's text with each
 * `{{input}}` replaced by a placeholder (@quarry/notebook's compileSql: `$n` in PostgreSQL, spaced
 * where a name or another placeholder would touch it, `?` in MySQL). This walks the same references
 * to answer the position in the cell's text; a position inside a placeholder points at its `{{`.
 */
export function cellPositionOf(source: string, dialect: SqlDialect, position: number): number {
  const numbers = new Map<string, number>();
  let shift = 0;
  let previousEnd = -1;
  for (const ref of sqlReferences(source, dialect)) {
    let length = 1;
    if (dialect === 'postgresql') {
      const key = ref.field ? `${ref.name}.${ref.field}` : ref.name;
      const index = numbers.get(key) ?? numbers.size + 1;
      numbers.set(key, index);
      // compileSql spaces from the last character it wrote: a reference right after another
      // follows that one's digit.
      const written = ref.start === previousEnd ? '0' : (source[ref.start - 1] ?? '');
      const before = IDENTIFIER_CHAR.test(written) ? 1 : 0;
      const after = IDENTIFIER_CHAR.test(source[ref.end] ?? '') ? 1 : 0;
      length = before + 1 + String(index).length + after;
    }
    const sentAt = ref.start + shift + 1;
    if (position < sentAt) break;
    if (position < sentAt + length) return ref.start + 1;
    shift += length - (ref.end - ref.start);
    previousEnd = ref.end;
  }
  return position - shift;
}

/**
 * Where a run's SQL error is in the cell's text; null for any other error or no position. Without a
 * dialect (a JS cell, whose error may come from a SQL cell it reads) there is no place to show.
 */
export function sqlErrorPositionOf(
  error: QuarryError | null,
  source: string,
  dialect: SqlDialect | null = 'postgresql',
): SqlPosition | null {
  if (!error?.code.startsWith('sql.') || dialect === null) return null;
  const position = error.details?.position;
  if (typeof position !== 'number' || !Number.isInteger(position)) return null;
  return sqlPositionOf(source, cellPositionOf(source, dialect, position));
}
