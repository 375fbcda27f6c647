import type { QuarryError } from '@quarry/contracts';

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

/** Where a run's SQL error is in the SQL that ran; null for any other error or no position. */
export function sqlErrorPositionOf(error: QuarryError | null, source: string): SqlPosition | null {
  if (!error?.code.startsWith('sql.')) return null;
  return sqlPositionOf(source, error.details?.position);
}
