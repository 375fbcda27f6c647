import { describe, expect, it } from 'vitest';
import { compileSql } from '../compile-sql';

// FAILING PROOF (minor, correctness; not committed while it fails): two references side by side
// compile to `$1$2`, which PostgreSQL refuses ("syntax error at or near "$2"").
describe('adjacent references', () => {
  it('keeps two PostgreSQL placeholders apart', () => {
    const compiled = compileSql('select {{a}}{{b}}', 'postgresql', { a: 'x', b: 'y' });
    expect(compiled.ok && compiled.value.sql).toBe('select $1 $2');
  });
});
