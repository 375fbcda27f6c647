import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWarehouse, TEST_READER_PASSWORD, type TestWarehouse } from '../testing/index';
import { DEMO_WAREHOUSE_ROLE, seedDemoWarehouse } from './index';

const ORDERS = 5000;

let warehouse: TestWarehouse;
let admin: postgres.Sql;
let reader: postgres.Sql;

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: ORDERS });
  admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  reader = postgres({ ...warehouse.reader, max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await reader?.end({ timeout: 5 });
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

async function count(sql: postgres.Sql, relation: string): Promise<number> {
  const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${relation}`);
  return row?.n ?? -1;
}

/** The SQLSTATE a statement fails with, or 'ok' when it succeeds. */
async function sqlstateOf(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('seedDemoWarehouse', () => {
  it('fills the tables with the requested number of orders', async () => {
    expect(await count(admin, 'orders')).toBe(ORDERS);
    const items = await count(admin, 'order_items');
    expect(items).toBeGreaterThanOrEqual(ORDERS);
    expect(items).toBeLessThanOrEqual(3 * ORDERS);
    expect(await count(admin, 'customers')).toBeGreaterThanOrEqual(1000);
    expect(await count(admin, 'products')).toBe(2000);
  });

  it('keeps orders consistent: every order has items, a known customer and a total in range', async () => {
    const [row] = await admin<
      { orphans: number; without_items: number; min_total: string; max_total: string }[]
    >`
      select
        (select count(*)::int from orders o where not exists (select 1 from customers c where c.id = o.customer_id)) as orphans,
        (select count(*)::int from orders o where not exists (select 1 from order_items i where i.order_id = o.id)) as without_items,
        (select min(total)::text from orders) as min_total,
        (select max(total)::text from orders) as max_total`;

    expect(row?.orphans).toBe(0);
    expect(row?.without_items).toBe(0);
    expect(Number(row?.min_total)).toBeGreaterThanOrEqual(10);
    expect(Number(row?.max_total)).toBeLessThanOrEqual(1000);
  });

  it('creates the three views, and they answer', async () => {
    const [revenue] = await admin<{ orders: number }[]>`select sum(orders)::int as orders from daily_revenue`;
    const [notCancelled] = await admin<
      { n: number }[]
    >`select count(*)::int as n from orders where status <> 'cancelled'`;
    expect(revenue?.orders).toBe(notCancelled?.n);

    const [sales] = await admin<{ units: number }[]>`select sum(units)::int as units from product_sales`;
    const [quantity] = await admin<{ n: number }[]>`select sum(quantity)::int as n from order_items`;
    expect(sales?.units).toBe(quantity?.n);

    expect(await count(admin, 'customer_lifetime_value')).toBe(await count(admin, 'customers'));
    const [orders] = await admin<{ n: number }[]>`select sum(orders)::int as n from customer_lifetime_value`;
    expect(orders?.n).toBe(ORDERS);
  });

  it('skips a second seed with the same count, quickly, and leaves the data as it was', async () => {
    const [before] = await admin<{ total: string }[]>`select sum(total)::text as total from orders`;
    const started = performance.now();

    const result = await seedDemoWarehouse(warehouse.adminUrl, {
      orders: ORDERS,
      readerPassword: TEST_READER_PASSWORD,
    });

    expect(result).toEqual({ seeded: false, orders: ORDERS });
    expect(performance.now() - started).toBeLessThan(2000);
    const [after] = await admin<{ total: string }[]>`select sum(total)::text as total from orders`;
    expect(after?.total).toBe(before?.total);
    expect(await count(admin, 'orders')).toBe(ORDERS);
  });
});

describe('the demo reader role', () => {
  it('logs in as quarry_demo_reader and can read every table and view', async () => {
    const [who] = await reader<{ user: string }[]>`select current_user as user`;
    expect(who?.user).toBe(DEMO_WAREHOUSE_ROLE);

    expect(await count(reader, 'orders')).toBe(ORDERS);
    expect(await count(reader, 'products')).toBe(2000);
    expect(await count(reader, 'order_items')).toBe(await count(admin, 'order_items'));
    expect(await count(reader, 'customers')).toBe(await count(admin, 'customers'));
    expect(await count(reader, 'daily_revenue')).toBeGreaterThan(0);
    expect(await count(reader, 'product_sales')).toBeGreaterThan(0);
    expect(await count(reader, 'customer_lifetime_value')).toBe(await count(admin, 'customers'));
  });

  it.each([
    [
      'insert',
      `insert into orders (id, customer_id, status, channel, ordered_at, total) values (999999, 1, 'x', 'web', now(), 1)`,
    ],
    ['update', `update orders set total = 0 where id = 1`],
    ['delete', `delete from order_items where order_id = 1`],
    ['truncate', 'truncate order_items'],
    ['create table', 'create table stolen (id int)'],
    ['drop table', 'drop table order_items'],
  ])('is refused %s with permission denied (42501)', async (_verb, statement) => {
    expect(await sqlstateOf(reader.unsafe(statement))).toBe('42501');
  });

  it('changed nothing through the refused statements', async () => {
    expect(await count(admin, 'orders')).toBe(ORDERS);
    const [first] = await admin<{ total: string }[]>`select total::text from orders where id = 1`;
    expect(Number(first?.total)).toBeGreaterThan(0);
    const [stolen] = await admin<{ t: string | null }[]>`select to_regclass('public.stolen')::text as t`;
    expect(stolen?.t).toBeNull();
    expect(await count(admin, 'order_items')).toBeGreaterThanOrEqual(ORDERS);
  });
});

describe('seeding with another count', () => {
  it('rebuilds the warehouse with the new count and keeps the reader able to read it', async () => {
    const small = await createTestWarehouse({ orders: 2000 });
    const sql = postgres(small.adminUrl, { max: 1, onnotice: () => {} });
    const smallReader = postgres({ ...small.reader, max: 1, onnotice: () => {} });
    try {
      expect(await count(sql, 'orders')).toBe(2000);

      const result = await seedDemoWarehouse(small.adminUrl, {
        orders: 3000,
        readerPassword: TEST_READER_PASSWORD,
      });

      expect(result).toEqual({ seeded: true, orders: 3000 });
      expect(await count(sql, 'orders')).toBe(3000);
      expect(await count(smallReader, 'orders')).toBe(3000);
    } finally {
      await smallReader.end({ timeout: 5 });
      await sql.end({ timeout: 5 });
      await small.drop();
    }
  });
});
