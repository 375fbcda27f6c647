/** The SQL dialects a connector declares (`ConnectorKindInfo.dialect`). */
export type SqlDialect = 'postgresql' | 'mysql';

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
const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

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
    const skipped = dialect === 'postgresql' ? skipPostgres(source, i) : skipMysql(source, i);
    i = skipped ?? i + 1;
  }
  return found;
}

const precededByIdentifier = (source: string, i: number): boolean =>
  i > 0 && IDENTIFIER_CHAR.test(source[i - 1] ?? '');

/** The index after a PostgreSQL literal, quoted identifier or comment starting at `i`, or null. */
function skipPostgres(source: string, i: number): number | null {
  const c = source[i];
  const next = source[i + 1];
  if (c === '-' && next === '-') return lineEnd(source, i + 2);
  if (c === '/' && next === '*') return nestedCommentEnd(source, i + 2);
  if (c === "'") return quotedEnd(source, i + 1, "'", false);
  if (c === '"') return quotedEnd(source, i + 1, '"', false);
  if ((c === 'E' || c === 'e') && next === "'" && !precededByIdentifier(source, i)) {
    return quotedEnd(source, i + 2, "'", true);
  }
  if (c === '$' && !precededByIdentifier(source, i)) {
    DOLLAR_TAG.lastIndex = i;
    const tag = DOLLAR_TAG.exec(source)?.[0];
    if (!tag) return null;
    const close = source.indexOf(tag, i + tag.length);
    return close === -1 ? source.length : close + tag.length;
  }
  // An identifier (or keyword) is skipped whole, so `x$E'…'`-like spellings stay one token.
  if (IDENTIFIER_CHAR.test(c ?? '') && c !== '$') {
    let j = i + 1;
    while (j < source.length && IDENTIFIER_CHAR.test(source[j] ?? '')) j += 1;
    return j;
  }
  return null;
}

/** The index after a MySQL literal, quoted identifier or comment starting at `i`, or null. */
function skipMysql(source: string, i: number): number | null {
  const c = source[i];
  const next = source[i + 1];
  // `--` starts a comment only when followed by a space or control character (or the end).
  if (c === '-' && next === '-') {
    const after = source[i + 2];
    if (after === undefined || after <= ' ') return lineEnd(source, i + 2);
    return null;
  }
  if (c === '#') return lineEnd(source, i + 1);
  if (c === '/' && next === '*') {
    const close = source.indexOf('*/', i + 2);
    return close === -1 ? source.length : close + 2;
  }
  if (c === "'" || c === '"') return quotedEnd(source, i + 1, c, true);
  if (c === '`') return quotedEnd(source, i + 1, '`', false);
  return null;
}

function lineEnd(source: string, from: number): number {
  const close = source.indexOf('\n', from);
  return close === -1 ? source.length : close + 1;
}

/** PostgreSQL block comments nest: `/* a /* b *\/ still comment *\/`. */
function nestedCommentEnd(source: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < source.length) {
    if (source[i] === '/' && source[i + 1] === '*') {
      depth += 1;
      i += 2;
    } else if (source[i] === '*' && source[i + 1] === '/') {
      depth -= 1;
      i += 2;
      if (depth === 0) return i;
    } else {
      i += 1;
    }
  }
  return source.length;
}

/** The index after the closing quote; a doubled quote is one character, as is `\x` when `backslash`. */
function quotedEnd(source: string, from: number, quote: string, backslash: boolean): number {
  let i = from;
  while (i < source.length) {
    const c = source[i];
    if (backslash && c === '\\') {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (source[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i += 1;
  }
  return source.length;
}
