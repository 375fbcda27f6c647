import { describe, expect, it } from 'vitest';
import { sqlErrorPositionOf, sqlPositionOf } from './sql-position';

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
