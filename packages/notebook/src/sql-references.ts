import { type SqlDialect, skipSqlText } from '@quarry/contracts';

/** The SQL dialects a connector declares (`ConnectorKindInfo.dialect`). */
export type { SqlDialect };

/** Which part of a date range `{{name.start}}` / `{{name.end}}` reads; null for the whole value. */
export type RangeField = 'start' | 'end';

/**
 * One `{{name}}` (or `{{name.start}}`) in a SQL cell, found outside string literals, quoted
 * identifiers and comments. `start`/`end` cover the braces; `nameStart`/`nameEnd` the name only.
 */
export type SqlReference = {
  name: string;
  field: RangeField | null;
  start: number;
  end: number;
  nameStart: number;
  nameEnd: number;
};

const REFERENCE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)(?:\.(start|end))?\s*\}\}/y;

/**
 * The `{{…}}` references of a SQL cell in source order. Text inside string literals, quoted
 * identifiers and comments is the database's, never a reference: PostgreSQL `'…'`, `E'…'`
 * (backslash escapes), `$tag$…$tag$`, `"…"`, `--` and nested `/* *\/`; MySQL `'…'`, `"…"`
 * (backslash escapes and doubled quotes), backticks, `-- `, `#` and `/* *\/`. An unterminated
 * literal or comment runs to the end, so nothing inside it is taken for a reference.
 */
export function sqlReferences(source: string, dialect: SqlDialect): SqlReference[] {
  const found: SqlReference[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '{' && next === '{') {
      REFERENCE.lastIndex = i;
      const match = REFERENCE.exec(source);
      if (match?.[1]) {
        const name = match[1];
        const nameStart = source.indexOf(name, i + 2);
        found.push({
          name,
          field: (match[2] as RangeField | undefined) ?? null,
          start: i,
          end: i + match[0].length,
          nameStart,
          nameEnd: nameStart + name.length,
        });
        i += match[0].length;
        continue;
      }
      i += 1;
      continue;
    }
    i = skipSqlText(source, i, dialect) ?? i + 1;
  }
  return found;
}
