import { PostgreSQL, StandardSQL } from '@codemirror/lang-sql';
import { describe, expect, it } from 'vitest';
import { sqlDialectFor } from './sql-dialect';

describe('sqlDialectFor', () => {
  it('highlights a PostgreSQL connection’s cells as PostgreSQL', () => {
    expect(sqlDialectFor('postgres')).toBe(PostgreSQL);
  });

  it.each([null, undefined, '', 'a-kind-from-the-future'])('falls back to standard SQL for %s', (kind) => {
    expect(sqlDialectFor(kind)).toBe(StandardSQL);
  });
});
