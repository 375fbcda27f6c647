import { describe, expect, it } from 'vitest';
import { compileSql } from '../compile-sql';
import { planConnectionIds, planRun } from '../plan-run';
import { renameReferences } from '../rename-references';
import type { SqlDialect } from '../sql-references';
import { cellsOf } from './cells';

// An outside attacker's values and spellings against the pure notebook logic (CONN-4: a value is
// never SQL text; a reference is found only where the database would read code).

const HOSTILE = [
  "'; drop table orders; --",
  "x' or '1'='1",
  '$1',
  '$$; drop table t; $$',
  '$q$ drop $q$',
  "\\'; select 1; -- ",
  '?',
  '??',
  '{{v}}',
  '*/ drop table t; /*',
  '\n; drop table t;\n',
  '`; drop table t; `',
];

describe('compileSql with hostile values', () => {
  it.each<SqlDialect>(['postgresql', 'mysql'])('never writes a value into the %s text', (dialect) => {
    for (const value of HOSTILE) {
      const compiled = compileSql("select * from t where a = {{v}} and b in ({{v}}, 'x')", dialect, {
        v: value,
      });
      if (!compiled.ok) throw new Error(compiled.error.message);
      expect(compiled.value.sql).toBe(
        dialect === 'postgresql'
          ? "select * from t where a = $1 and b in ($1, 'x')"
          : "select * from t where a = ? and b in (?, 'x')",
      );
      expect(compiled.value.params).toEqual(dialect === 'postgresql' ? [value] : [value, value]);
    }
  });

  it('binds a value that spells a reference as text, never compiling it again', () => {
    const compiled = compileSql('select {{a}}, {{b}}', 'postgresql', { a: '{{b}}', b: '{{a}}' });
    expect(compiled.ok && compiled.value).toEqual({ sql: 'select $1, $2', params: ['{{b}}', '{{a}}'] });
  });
});

describe('references the database reads as text stay text', () => {
  it.each<[SqlDialect, string]>([
    ['postgresql', "select '{{v}}'"],
    ['postgresql', "select 'it''s {{v}}'"],
    ['postgresql', "select E'\\'{{v}}'"],
    ['postgresql', "select e'\\\\\\'{{v}}'"],
    ['postgresql', "select U&'{{v}}'"],
    ['postgresql', "select X'{{v}}'"],
    ['postgresql', 'select $${{v}}$$'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: PostgreSQL dollar quoting, not a template
    ['postgresql', 'select $tag${{v}}$tag$'],
    ['postgresql', 'select $tag$ $other$ {{v}} $other$ $tag$'],
    ['postgresql', 'select "{{v}}"'],
    ['postgresql', 'select "a""{{v}}"'],
    ['postgresql', 'select 1 -- {{v}}'],
    ['postgresql', 'select 1 /* outer /* inner */ {{v}} */'],
    ['postgresql', "select '{{v}}"],
    ['postgresql', 'select 1 /* {{v}}'],
    ['mysql', "select '{{v}}'"],
    ['mysql', "select '\\'{{v}}'"],
    ['mysql', 'select "{{v}}"'],
    ['mysql', 'select "\\"{{v}}"'],
    ['mysql', 'select `{{v}}`'],
    ['mysql', 'select 1 # {{v}}'],
    ['mysql', 'select 1 -- {{v}}'],
    ['mysql', 'select 1 /* {{v}} */'],
    ['mysql', 'select 1 /*! {{v}} */'],
  ])('%s: %s', (dialect, source) => {
    const compiled = compileSql(source, dialect, { v: 'VALUE' });
    expect(compiled.ok && compiled.value).toEqual({ sql: source, params: [] });
  });

  it.each<[SqlDialect, string, string]>([
    // A standard PostgreSQL string has no backslash escape: the quote after \ ends it.
    ['postgresql', "select '\\', {{v}}", "select '\\', $1"],
    // An identifier ending in e is not an E'' string.
    ['postgresql', "select somee'x', {{v}}", "select somee'x', $1"],
    // `--x` in MySQL is not a comment (it needs a space), so the reference after it is code.
    ['mysql', 'select 1 --{{v}}', 'select 1 --?'],
    // A dollar sign inside an identifier opens no dollar quote.
    ['postgresql', 'select a$b, {{v}}, c$d', 'select a$b, $1, c$d'],
  ])('%s reads code: %s', (dialect, source, sql) => {
    const compiled = compileSql(source, dialect, { v: 'VALUE' });
    expect(compiled.ok && compiled.value).toEqual({ sql, params: ['VALUE'] });
  });

  it('never glues a placeholder to a neighbour into another token', () => {
    for (const [source, sql] of [
      ['select x{{v}}', 'select x $1'],
      ['select {{v}}9', 'select $1 9'],
      ['select {{v}}$a$ text $a$', 'select $1 $a$ text $a$'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a lone dollar sign before a reference
      ['select ${{v}}', 'select $ $1'],
    ] as const) {
      const compiled = compileSql(source, 'postgresql', { v: 'VALUE' });
      expect(compiled.ok && compiled.value.sql, source).toBe(sql);
    }
  });
});

describe('plans and renames', () => {
  it('a plan holds only the connections the project offers; any other refuses the whole plan', () => {
    const cells = cellsOf([
      { kind: 'input', name: 'v' },
      { kind: 'sql', name: 'mine', connectionId: 'con_mine', source: 'select {{v}}' },
      { kind: 'sql', name: 'theirs', connectionId: 'con_theirs', source: 'select 2' },
      { kind: 'js', name: 'both', source: 'return [mine, theirs]' },
      { kind: 'js', name: 'one', source: 'return mine' },
    ]);
    const dialectOf = (id: string) => (id === 'con_mine' ? ('postgresql' as const) : null);
    const both = planRun({ cells, targetCellId: 'both', inputs: { v: "'; --" }, dialectOf });
    expect(both.ok ? 'planned' : both.error.code).toBe('connections.not_in_project');
    const one = planRun({ cells, targetCellId: 'one', inputs: { v: "'; --" }, dialectOf });
    if (!one.ok) throw new Error(one.error.message);
    expect(planConnectionIds(one.value)).toEqual(['con_mine']);
    expect(one.value.steps.map((s) => s.name)).toEqual(['mine', 'one']);
  });

  it('a JS cell reaching a cell below through any spelling of its name is refused or reads nothing', () => {
    const cells = cellsOf([
      { kind: 'js', name: 'early', source: 'return later' },
      { kind: 'sql', name: 'later', connectionId: 'con_mine', source: 'select 1' },
      { kind: 'js', name: 'sneaky', source: 'return globalThis["lat" + "er"] ?? eval("later")' },
    ]);
    const dialectOf = () => 'postgresql' as const;
    const early = planRun({ cells, targetCellId: 'early', inputs: {}, dialectOf });
    expect(early.ok ? 'planned' : early.error.code).toBe('notebook.forward_reference');
    // A name spelled at run time is no reference: the plan reads no cell, so no rows reach it.
    const sneaky = planRun({ cells, targetCellId: 'sneaky', inputs: {}, dialectOf });
    if (!sneaky.ok) throw new Error(sneaky.error.message);
    expect(planConnectionIds(sneaky.value)).toEqual([]);
    expect(sneaky.value.steps).toEqual([expect.objectContaining({ name: 'sneaky', uses: [] })]);
  });

  it('a rename rewrites references only, never strings, comments or properties', () => {
    const cells = cellsOf([
      { kind: 'input', name: 'v' },
      { kind: 'sql', name: 'q', connectionId: 'con_mine', source: "select {{v}}, '{{v}}' -- {{v}}" },
      // biome-ignore lint/suspicious/noTemplateCurlyInString: JS source under test, not a template
      { kind: 'js', name: 'j', source: 'const s = "v"; /* v */ return { v: v, w: o.v, t: `v ${v}` }' },
    ]);
    const renamed = renameReferences(cells, 'v', 'w2', () => 'postgresql');
    if (!renamed.ok) throw new Error(renamed.error.message);
    const byId = new Map(renamed.value.map((r) => [r.cellId, r.source]));
    expect(byId.get('q')).toBe("select {{w2}}, '{{v}}' -- {{v}}");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: JS source under test, not a template
    expect(byId.get('j')).toBe('const s = "v"; /* v */ return { v: w2, w: o.v, t: `v ${w2}` }');
  });
});
