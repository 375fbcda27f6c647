import { describe, expect, it } from 'vitest';
import { compileSql, type SqlValue } from './compile-sql';
import type { SqlDialect } from './sql-references';

const values: Record<string, SqlValue> = {
  status: 'shipped',
  n: '42',
  none: null,
  range: { start: '2024-01-01', end: '2024-01-31' },
};

describe('compileSql', () => {
  it.each<[string, SqlDialect, string, string, (string | null)[]]>([
    [
      'one value',
      'postgresql',
      'select * from o where s = {{status}}',
      'select * from o where s = $1',
      ['shipped'],
    ],
    [
      'one value',
      'mysql',
      'select * from o where s = {{status}}',
      'select * from o where s = ?',
      ['shipped'],
    ],
    ['two values in order', 'postgresql', 'select {{n}}, {{status}}', 'select $1, $2', ['42', 'shipped']],
    [
      'the same value twice reuses its number',
      'postgresql',
      'select {{status}}, {{n}}, {{status}}',
      'select $1, $2, $1',
      ['shipped', '42'],
    ],
    [
      'the same value twice repeats it',
      'mysql',
      'select {{status}}, {{n}}, {{status}}',
      'select ?, ?, ?',
      ['shipped', '42', 'shipped'],
    ],
    ['a null value', 'postgresql', 'select {{none}}', 'select $1', [null]],
    [
      'a date range',
      'postgresql',
      'where d between {{range.start}} and {{range.end}} or e = {{range.start}}',
      'where d between $1 and $2 or e = $1',
      ['2024-01-01', '2024-01-31'],
    ],
    [
      'a date range',
      'mysql',
      'where d between {{range.start}} and {{range.end}}',
      'where d between ? and ?',
      ['2024-01-01', '2024-01-31'],
    ],
    [
      'references in literals and comments stay text',
      'postgresql',
      "select '{{status}}' -- {{n}}\n, {{n}}",
      "select '{{status}}' -- {{n}}\n, $1",
      ['42'],
    ],
    [
      'references in literals and comments stay text',
      'mysql',
      'select `{{status}}`, "{{n}}" # {{n}}\n, {{n}}',
      'select `{{status}}`, "{{n}}" # {{n}}\n, ?',
      ['42'],
    ],
    ['no references', 'postgresql', 'select 1', 'select 1', []],
    [
      'a placeholder next to a name or digit stays apart',
      'postgresql',
      'select x{{n}}, {{n}}2',
      'select x $1, $1 2',
      ['42'],
    ],
  ])('%s (%s)', (_, dialect, source, sql, params) => {
    expect(compileSql(source, dialect, values)).toEqual({ ok: true, value: { sql, params } });
  });

  it.each<[string, string, string]>([
    ['a name with no value', 'select {{missing}}', 'missing'],
    ['a date range read whole', 'select {{range}}', 'range'],
    ['a part of a value that is no range', 'select {{status.start}}', 'status.start'],
    ['an inherited property name', 'select {{constructor}}', 'constructor'],
  ])('refuses %s as an unknown reference', (_, source, name) => {
    const result = compileSql(source, 'postgresql', values);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('notebook.unknown_reference');
    expect(result.error.details?.name).toBe(name);
  });

  it.each<[string, SqlDialect]>([
    ["'; drop table x; --", 'postgresql'],
    ["'; drop table x; --", 'mysql'],
    ["\\'; drop table x; #", 'mysql'],
    ['$$; drop table x; $$', 'postgresql'],
    ['{{n}}', 'postgresql'],
    ['*/ drop table x; /*', 'mysql'],
  ])('keeps the injection attempt %j a bound value and out of the SQL (%s)', (attack, dialect) => {
    const source = "select * from orders where status = {{status}} and note = '{{status}}'";
    const result = compileSql(source, dialect, { ...values, status: attack });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const placeholder = dialect === 'postgresql' ? '$1' : '?';
    expect(result.value.sql).toBe(
      `select * from orders where status = ${placeholder} and note = '{{status}}'`,
    );
    expect(result.value.sql).not.toContain('drop');
    expect(result.value.params).toEqual([attack]);
  });
});
