import { describe, expect, it } from 'vitest';
import { qualifiedTableName, quoteIdentifier, selectStatement } from './quote-identifier';

describe('quoteIdentifier', () => {
  it.each([
    ['orders', '"orders"', '`orders`'],
    ['Orders', '"Orders"', '`Orders`'],
    ['ORDER', '"ORDER"', '`ORDER`'],
    ['say "hi"', '"say ""hi"""', '`say "hi"`'],
    ['tick`tock', '"tick`tock"', '`tick``tock`'],
    ['a.b', '"a.b"', '`a.b`'],
    ['', '""', '``'],
    ['ventes_été', '"ventes_été"', '`ventes_été`'],
    ['売上 2024', '"売上 2024"', '`売上 2024`'],
    ['"', '""""', '`"`'],
  ])('quotes %j for PostgreSQL and MySQL', (name, postgres, mysql) => {
    expect(quoteIdentifier(name, 'postgresql')).toBe(postgres);
    expect(quoteIdentifier(name, 'mysql')).toBe(mysql);
  });
});

describe('qualifiedTableName', () => {
  it('names a PostgreSQL table by its schema, never its database', () => {
    expect(
      qualifiedTableName({ database: 'warehouse', schema: 'public', table: 'orders' }, 'postgresql'),
    ).toBe('"public"."orders"');
  });

  it('keeps a dot inside a name a part of that name, not a qualifier', () => {
    expect(qualifiedTableName({ database: 'db', schema: 'sales.eu', table: 'q1.totals' }, 'postgresql')).toBe(
      '"sales.eu"."q1.totals"',
    );
  });

  it('qualifies a MySQL table by its database when it has no schema', () => {
    expect(qualifiedTableName({ database: 'shop', schema: null, table: 'Order' }, 'mysql')).toBe(
      '`shop`.`Order`',
    );
    expect(qualifiedTableName({ database: 'def', schema: 'shop', table: 'orders' }, 'mysql')).toBe(
      '`shop`.`orders`',
    );
  });

  it('leaves an unqualified PostgreSQL name alone when there is no schema', () => {
    expect(qualifiedTableName({ database: 'db', schema: null, table: 'Orders' }, 'postgresql')).toBe(
      '"Orders"',
    );
  });
});

describe('selectStatement', () => {
  it('selects the first hundred rows of a quoted, qualified table', () => {
    expect(selectStatement({ database: 'db', schema: 'Sales', table: 'my "big" table' }, 'postgresql')).toBe(
      'select * from "Sales"."my ""big"" table" limit 100',
    );
    expect(selectStatement({ database: 'shop', schema: 'shop', table: 'line`items' }, 'mysql')).toBe(
      'select * from `shop`.`line``items` limit 100',
    );
  });
});
