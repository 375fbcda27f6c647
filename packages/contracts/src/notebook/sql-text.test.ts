import { describe, expect, it } from 'vitest';
import { postgresPlaceholders, skipSqlText } from './sql-text';

const indexes = (sql: string) => postgresPlaceholders(sql).map((p) => p.index);
const texts = (sql: string) => postgresPlaceholders(sql).map((p) => sql.slice(p.start, p.end));

describe('postgresPlaceholders', () => {
  it('finds $n placeholders in source order, with their whole number', () => {
    expect(indexes('select $1, $2+$10, ($3)::int, -$1, x=$12')).toEqual([1, 2, 10, 3, 1, 12]);
    expect(texts('select $1,$10')).toEqual(['$1', '$10']);
  });

  it.each([
    ["'$1'", 'a string literal'],
    ["'it''s $1'", 'a literal with a doubled quote'],
    ["E'\\'$1'", 'an escape string with an escaped quote'],
    ['"$1"', 'a quoted identifier'],
    ['$$ $1 $$', 'a dollar quote'],
    ["$q$ '$1' $q$", 'a tagged dollar quote'],
    ['/* $1 /* $1 */ $1 */', 'a nested block comment'],
    ['-- $1', 'a line comment'],
    ['a$1', 'an identifier'],
    ['x$1$y', 'an identifier with dollars'],
  ])('leaves %s alone (%s)', (fragment) => {
    expect(indexes(`select ${fragment}\n, $2`)).toEqual([2]);
  });

  it('ends a line comment at a carriage return, as the server does', () => {
    expect(indexes('select -- note\r$1')).toEqual([1]);
  });

  it('takes a standard string as ending at its quote, backslash or not', () => {
    expect(indexes("select '\\', $1")).toEqual([1]);
  });

  it('runs an unterminated literal or comment to the end', () => {
    expect(indexes("select $1, ' $2")).toEqual([1]);
    expect(indexes('select $1 /* $2')).toEqual([1]);
  });
});

describe('skipSqlText', () => {
  it('skips MySQL literals, backticks and comments, not PostgreSQL dollar quotes', () => {
    expect(skipSqlText("'a\\'b' rest", 0, 'mysql')).toBe(6);
    expect(skipSqlText('`a``b` rest', 0, 'mysql')).toBe(6);
    expect(skipSqlText('# c\nrest', 0, 'mysql')).toBe(4);
    expect(skipSqlText('$$ x $$', 0, 'mysql')).toBeNull();
    expect(skipSqlText('$$ x $$', 0, 'postgresql')).toBe(7);
  });
});
