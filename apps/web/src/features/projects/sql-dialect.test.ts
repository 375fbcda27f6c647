import { MySQL, PostgreSQL, StandardSQL } from '@codemirror/lang-sql';
import { describe, expect, it } from 'vitest';
import { sqlDialectFor } from './sql-dialect';

describe('sqlDialectFor', () => {
  it('highlights each declared dialect as itself', () => {
    expect(sqlDialectFor('postgresql')).toBe(PostgreSQL);
    expect(sqlDialectFor('mysql')).toBe(MySQL);
  });

  it.each([null, undefined])('falls back to standard SQL for %s', (dialect) => {
    expect(sqlDialectFor(dialect)).toBe(StandardSQL);
  });
});
