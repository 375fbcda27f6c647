import { describe, expect, it } from 'vitest';
import { type SqlDialect, sqlReferences } from './sql-references';

const names = (source: string, dialect: SqlDialect) =>
  sqlReferences(source, dialect).map((r) => (r.field ? `${r.name}.${r.field}` : r.name));

describe('sqlReferences', () => {
  it.each<[string, SqlDialect, string, string[]]>([
    ['a plain reference', 'postgresql', 'select * from t where a = {{x}}', ['x']],
    ['spaces inside the braces', 'postgresql', 'select {{  x  }}', ['x']],
    [
      'a date range start and end',
      'postgresql',
      'where d between {{r.start}} and {{r.end}}',
      ['r.start', 'r.end'],
    ],
    ['the same name twice', 'mysql', 'select {{x}}, {{x}}', ['x', 'x']],
    ['not an identifier', 'postgresql', 'select {{1x}}, {{x y}}, {{}}, {x}', []],
    ['a field other than start/end', 'postgresql', 'select {{x.other}}', []],
    ['a single-quoted string', 'postgresql', "select '{{x}}', {{y}}", ['y']],
    ['a doubled quote inside a string', 'postgresql', "select 'it''s {{x}}', {{y}}", ['y']],
    ['a backslash in a standard PostgreSQL string ends nothing', 'postgresql', "select 'a\\', {{y}}", ['y']],
    ["an E'' string with an escaped quote", 'postgresql', "select E'it\\'s {{x}}', {{y}}", ['y']],
    ["a lower-case e'' string", 'postgresql', "select e'\\' {{x}}', {{y}}", ['y']],
    ['an identifier ending in e before a string', 'postgresql', "select name'{{x}}'", []],
    ['a dollar-quoted body', 'postgresql', 'select $$ {{x}} $$, {{y}}', ['y']],
    ['a tagged dollar quote holding $$', 'postgresql', 'select $fn$ $$ {{x}} $$ $fn$, {{y}}', ['y']],
    ['a positional parameter is not a dollar quote', 'postgresql', 'select $1, {{y}}, $2', ['y']],
    ['a double-quoted identifier', 'postgresql', 'select "{{x}}" from t where a = {{y}}', ['y']],
    ['a line comment', 'postgresql', 'select 1 -- {{x}}\n, {{y}}', ['y']],
    ['a block comment', 'postgresql', 'select /* {{x}} */ {{y}}', ['y']],
    ['nested block comments', 'postgresql', 'select /* a /* {{x}} */ {{z}} */ {{y}}', ['y']],
    ['an unterminated string hides the rest', 'postgresql', "select '{{x}}", []],
    ['an unterminated comment hides the rest', 'postgresql', 'select /* {{x}}', []],
    ['MySQL single quotes with a backslash escape', 'mysql', "select 'it\\'s {{x}}', {{y}}", ['y']],
    ['MySQL double-quoted strings', 'mysql', 'select "{{x}}", {{y}}', ['y']],
    ['MySQL doubled double quotes', 'mysql', 'select "a""{{x}}", {{y}}', ['y']],
    ['MySQL backticks', 'mysql', 'select `{{x}}` from t where a = {{y}}', ['y']],
    ['MySQL doubled backticks', 'mysql', 'select `a``{{x}}` , {{y}}', ['y']],
    ['MySQL # comments', 'mysql', 'select 1 # {{x}}\n, {{y}}', ['y']],
    ['MySQL -- comments need a space', 'mysql', 'select 1 -- {{x}}\n, {{y}}', ['y']],
    ['MySQL --x is two minus signs', 'mysql', 'select 1 --{{y}}', ['y']],
    ['MySQL block comments do not nest', 'mysql', 'select /* /* {{x}} */ {{y}}', ['y']],
    ['MySQL has no dollar quotes', 'mysql', 'select $$ {{y}} $$', ['y']],
    ['PostgreSQL # is an operator, not a comment', 'postgresql', 'select 1 # {{y}}', ['y']],
    ["a U&'' string", 'postgresql', "select U&'{{x}}', {{y}}", ['y']],
    ['a U&"" identifier', 'postgresql', 'select U&"{{x}}", {{y}}', ['y']],
    ['an unterminated dollar quote hides the rest', 'postgresql', 'select $q$ {{x}}', []],
    ['a name with a dollar is no dollar quote', 'postgresql', 'select a$b$ {{y}}', ['y']],
    ['a reference right after a dollar-quoted body', 'postgresql', 'select $$a$${{y}}', ['y']],
    ['a reference inside a cast', 'postgresql', 'select {{y}}::date', ['y']],
    ['a MySQL executable comment stays a comment', 'mysql', 'select /*! {{x}} */ {{y}}', ['y']],
    ['a MySQL backslash escapes the quote, so the string goes on', 'mysql', "select 'a\\' , {{x}}", []],
    ['an escaped backslash in MySQL ends at the quote', 'mysql', "select 'a\\\\', {{y}}", ['y']],
  ])('%s (%s)', (_, dialect, source, expected) => {
    expect(names(source, dialect)).toEqual(expected);
  });

  it('reports where the reference and its name are', () => {
    const [ref] = sqlReferences('select {{ status }}', 'postgresql');
    expect(ref).toEqual({ name: 'status', field: null, start: 7, end: 19, nameStart: 10, nameEnd: 16 });
  });
});
