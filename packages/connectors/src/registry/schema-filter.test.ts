import { describe, expect, it } from 'vitest';
import type { SchemaFilter } from './connector';
import { matchesSchemaFilter } from './schema-filter';

const filter = (over: Partial<SchemaFilter>): SchemaFilter => ({ include: [], exclude: [], ...over });
const at = (schema: string, table?: string) => ({
  database: 'analytics',
  schema,
  ...(table === undefined ? {} : { table }),
});

describe('matchesSchemaFilter', () => {
  it('keeps everything without rules', () => {
    expect(matchesSchemaFilter(filter({}), at('public', 'orders'))).toBe(true);
    expect(matchesSchemaFilter(filter({}), at('public'))).toBe(true);
  });

  it('matches * as any run of characters, ignoring case, anchored at both ends', () => {
    const f = filter({ include: [{ table: 'fct_*' }] });
    expect(matchesSchemaFilter(f, at('public', 'FCT_orders'))).toBe(true);
    expect(matchesSchemaFilter(f, at('public', 'fct_'))).toBe(true);
    expect(matchesSchemaFilter(f, at('public', 'dim_fct_orders'))).toBe(false);
    const middle = filter({ include: [{ table: 'a*b*c' }] });
    expect(matchesSchemaFilter(middle, at('public', 'aXXbYYc'))).toBe(true);
    expect(matchesSchemaFilter(middle, at('public', 'aXXbYYcd'))).toBe(false);
  });

  it('takes every other character literally (no regular expression or LIKE syntax)', () => {
    const f = filter({ include: [{ table: 'a.b%_(c)' }] });
    expect(matchesSchemaFilter(f, at('public', 'a.b%_(c)'))).toBe(true);
    expect(matchesSchemaFilter(f, at('public', 'aXbYZ(c)'))).toBe(false);
    expect(matchesSchemaFilter(filter({ include: [{ table: '^x$' }] }), at('public', 'x'))).toBe(false);
  });

  it('keeps what an include rule matches and drops what an exclude rule matches', () => {
    const f = filter({
      include: [{ schema: 'sales' }, { schema: 'ops', table: 'daily_*' }],
      exclude: [{ schema: 'sales', table: '*_tmp' }],
    });
    expect(matchesSchemaFilter(f, at('sales', 'orders'))).toBe(true);
    expect(matchesSchemaFilter(f, at('sales', 'orders_tmp'))).toBe(false);
    expect(matchesSchemaFilter(f, at('ops', 'daily_load'))).toBe(true);
    expect(matchesSchemaFilter(f, at('ops', 'hourly_load'))).toBe(false);
    expect(matchesSchemaFilter(f, at('public', 'orders'))).toBe(false);
  });

  it('matches the database part too', () => {
    const f = filter({ exclude: [{ database: 'staging*' }] });
    expect(matchesSchemaFilter(f, { database: 'staging_eu', schema: 'public', table: 't' })).toBe(false);
    expect(matchesSchemaFilter(f, { database: 'Analytics', schema: 'public', table: 't' })).toBe(true);
  });

  describe('at schema level (what refresh reads)', () => {
    it('keeps a schema an include rule reaches, whatever the rule says of tables', () => {
      const f = filter({ include: [{ schema: 'ops', table: 'daily_*' }] });
      expect(matchesSchemaFilter(f, at('ops'))).toBe(true);
      expect(matchesSchemaFilter(f, at('sales'))).toBe(false);
    });

    it('skips a schema only when an exclude rule covers all of its tables', () => {
      expect(matchesSchemaFilter(filter({ exclude: [{ schema: 'scratch' }] }), at('scratch'))).toBe(false);
      expect(matchesSchemaFilter(filter({ exclude: [{ schema: 'scr*', table: '*' }] }), at('scratch'))).toBe(
        false,
      );
      expect(
        matchesSchemaFilter(filter({ exclude: [{ schema: 'scratch', table: 'tmp_*' }] }), at('scratch')),
      ).toBe(true);
    });
  });
});
