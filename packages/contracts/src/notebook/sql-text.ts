/** The SQL dialects a connector declares (`ConnectorKindInfo.dialect`). */
export type SqlDialect = 'postgresql' | 'mysql';

const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const DIGITS = /[0-9]+/y;

/**
 * Where SQL text is the database's own and not code: the index after the string literal, quoted
 * identifier or comment that starts at `i`, or null where none starts there. PostgreSQL: `'…'`
 * (standard conforming strings), `E'…'` (backslash escapes), `$tag$…$tag$`, `"…"`, `--` to the
 * end of the line and nested `/* *\/`; an identifier or keyword is skipped whole too, so `a$1`
 * and `x$E'…'`-like spellings stay one token. MySQL: `'…'`, `"…"` (backslash escapes and doubled
 * quotes), backticks, `-- `, `#` and `/* *\/`. An unterminated literal or comment runs to the end.
 * Shared by the notebook (`{{name}}` references) and the PostgreSQL connector (`$n` placeholders).
 */
export function skipSqlText(source: string, i: number, dialect: SqlDialect): number | null {
  return dialect === 'postgresql' ? skipPostgres(source, i) : skipMysql(source, i);
}

/** A `$n` parameter placeholder of a PostgreSQL statement: `index` is n. */
export type SqlPlaceholder = { index: number; start: number; end: number };

/**
 * The `$1…$n` parameter placeholders of a PostgreSQL statement in source order, as the server's
 * lexer finds them (with `standard_conforming_strings` on): never inside a string literal, quoted
 * identifier, dollar quote or comment, nor part of an identifier (`a$1`).
 */
export function postgresPlaceholders(source: string): SqlPlaceholder[] {
  const found: SqlPlaceholder[] = [];
  const n = source.length;
  let i = 0;
  while (i < n) {
    if (source[i] === '$' && !precededByIdentifier(source, i)) {
      DIGITS.lastIndex = i + 1;
      const digits = DIGITS.exec(source)?.[0];
      if (digits) {
        found.push({ index: Number(digits), start: i, end: i + 1 + digits.length });
        i += 1 + digits.length;
        continue;
      }
    }
    i = skipPostgres(source, i) ?? i + 1;
  }
  return found;
}

const precededByIdentifier = (source: string, i: number): boolean =>
  i > 0 && IDENTIFIER_CHAR.test(source[i - 1] ?? '');

function skipPostgres(source: string, i: number): number | null {
  const c = source[i];
  const next = source[i + 1];
  // A line comment ends at a newline or a carriage return, as in the server's lexer.
  if (c === '-' && next === '-') return lineEnd(source, i + 2, true);
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
  if (IDENTIFIER_CHAR.test(c ?? '') && c !== '$') {
    let j = i + 1;
    while (j < source.length && IDENTIFIER_CHAR.test(source[j] ?? '')) j += 1;
    return j;
  }
  return null;
}

function skipMysql(source: string, i: number): number | null {
  const c = source[i];
  const next = source[i + 1];
  // `--` starts a comment only when followed by a space or control character (or the end).
  if (c === '-' && next === '-') {
    const after = source[i + 2];
    if (after === undefined || after <= ' ') return lineEnd(source, i + 2, false);
    return null;
  }
  if (c === '#') return lineEnd(source, i + 1, false);
  if (c === '/' && next === '*') {
    const close = source.indexOf('*/', i + 2);
    return close === -1 ? source.length : close + 2;
  }
  if (c === "'" || c === '"') return quotedEnd(source, i + 1, c, true);
  if (c === '`') return quotedEnd(source, i + 1, '`', false);
  return null;
}

function lineEnd(source: string, from: number, carriageReturn: boolean): number {
  for (let i = from; i < source.length; i += 1) {
    const c = source[i];
    if (c === '\n' || (carriageReturn && c === '\r')) return i + 1;
  }
  return source.length;
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
