import { compileSql } from '@quarry/notebook';
import { describe, expect, it } from 'vitest';
import { cellPositionOf, sqlErrorPositionOf, sqlPositionOf } from './sql-position';

const SQL = 'select id,\n  name\nfrom users\nwhere id = ;';

describe('sqlPositionOf', () => {
  it.each([
    { position: 1, line: 1, column: 1, text: 'select id,' },
    { position: 8, line: 1, column: 8, text: 'select id,' },
    { position: 12, line: 2, column: 1, text: '  name' },
    { position: 14, line: 2, column: 3, text: '  name' },
    { position: SQL.indexOf(';') + 1, line: 4, column: 12, text: 'where id = ;' },
  ])('places character $position on line $line, column $column', ({ position, line, column, text }) => {
    expect(sqlPositionOf(SQL, position)).toEqual({ line, column, text });
  });

  it.each([null, undefined, 0, -3, 1.5, '7', SQL.length + 2])('ignores a position of %s', (position) => {
    expect(sqlPositionOf(SQL, position)).toBeNull();
  });

  it('drops a carriage return from the line it shows', () => {
    expect(sqlPositionOf('select 1\r\nfrom x', 11)).toEqual({ line: 2, column: 1, text: 'from x' });
  });
});

describe('sqlErrorPositionOf', () => {
  const error = (code: string, position: number) => ({ code, message: 'm', details: { position } });

  it('places a SQL error', () => {
    expect(sqlErrorPositionOf(error('sql.syntax', 12), SQL)).toEqual({ line: 2, column: 1, text: '  name' });
  });

  it('ignores a position on an error that is not about the SQL', () => {
    expect(sqlErrorPositionOf(error('connector.auth_failed', 12), SQL)).toBeNull();
  });

  it('has nothing to place without an error', () => {
    expect(sqlErrorPositionOf(null, SQL)).toBeNull();
  });
});

describe('cellPositionOf', () => {
  // The cell's text, and what PostgreSQL was sent: `select * from t where a = $1 and b=$2 or a = $1`.
  const cell = 'select * from t where a = {{region}} and b={{day.start}} or a = {{ region }}';
  const sent = 'select * from t where a = $1 and b=$2 or a = $1';

  it.each([
    { name: 'keeps a position before any input', word: 'from' },
    { name: 'moves a position after one input back by its length', word: 'and' },
    { name: 'moves a position after several inputs back by all of them', word: 'or' },
  ])('$name', ({ word }) => {
    expect(cellPositionOf(cell, 'postgresql', sent.indexOf(word) + 1)).toBe(cell.indexOf(word) + 1);
  });

  it('points a position inside a placeholder at its input', () => {
    expect(cellPositionOf(cell, 'postgresql', sent.indexOf('$2') + 2)).toBe(
      cell.indexOf('{{day.start}}') + 1,
    );
  });

  it('counts the space added where an input touches a name', () => {
    const touching = 'select x{{a}}y, z';
    // Sent: `select x $1 y, z`.
    expect(cellPositionOf(touching, 'postgresql', 'select x $1 y, z'.indexOf('z') + 1)).toBe(
      touching.indexOf('z') + 1,
    );
  });

  it('reads MySQL placeholders as one character each', () => {
    const mysql = 'select {{a}}, {{a}} from t';
    expect(cellPositionOf(mysql, 'mysql', 'select ?, ? from t'.indexOf('from') + 1)).toBe(
      mysql.indexOf('from') + 1,
    );
  });

  it('leaves an input in a string alone, as the compiler does', () => {
    const quoted = "select '{{a}}', {{a}} + x";
    expect(cellPositionOf(quoted, 'postgresql', "select '{{a}}', $1 + x".indexOf('x') + 1)).toBe(
      quoted.indexOf('x') + 1,
    );
  });
});

describe('sqlErrorPositionOf', () => {
  const error = (position: number) => ({
    code: 'sql.undefined_column',
    message: 'no',
    details: { position },
  });

  it('places the error in the cell text an input stood in for', () => {
    const cell = 'select {{status}}, nosuch\nfrom orders';
    expect(sqlErrorPositionOf(error('select $1, nosuch'.indexOf('nosuch') + 1), cell)).toEqual({
      line: 1,
      column: cell.indexOf('nosuch') + 1,
      text: 'select {{status}}, nosuch',
    });
  });

  it('shows no place for a cell with no dialect (a JS cell)', () => {
    expect(sqlErrorPositionOf(error(1), 'return 1', null)).toBeNull();
  });
});

describe('cellPositionOf agrees with the compiler', () => {
  it.each([
    {
      dialect: 'postgresql',
      cell: "select x{{a}}y, {{a}}, '{{a}}' as t, {{d.start}}-- {{a}}\n, {{ d.end }} from {{b}}",
    },
    { dialect: 'postgresql', cell: 'select {{a}}{{b}}{{d.end}}x, y{{b}}{{a}} from t' },
    { dialect: 'mysql', cell: 'select {{a}}, `{{a}}`, {{b}} # {{a}}\nfrom t where {{d.end}} > 1' },
  ] as const)('maps every character the $dialect compiler copied back to itself', ({ dialect, cell }) => {
    const compiled = compileSql(cell, dialect, {
      a: 'x',
      b: null,
      d: { start: '2026-01-01', end: '2026-01-31' },
    });
    if (!compiled.ok) throw new Error(compiled.error.message);
    const { sql } = compiled.value;
    const placeholders = dialect === 'postgresql' ? /\$\d+/g : /\?/g;
    const inPlaceholder = new Set<number>();
    for (const match of sql.matchAll(placeholders)) {
      for (let i = match.index - 1; i <= match.index + match[0].length; i += 1) inPlaceholder.add(i);
    }
    for (let i = 0; i < sql.length; i += 1) {
      if (inPlaceholder.has(i)) continue;
      expect(cell[cellPositionOf(cell, dialect, i + 1) - 1], `character ${i + 1} of ${sql}`).toBe(sql[i]);
    }
  });
});
