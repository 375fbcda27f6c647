import { randomBytes } from 'node:crypto';
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

  it('skips a second seed with the same count and leaves the data as it was', async () => {
    const [before] = await admin<{ total: string }[]>`select sum(total)::text as total from orders`;
    const result = await seedDemoWarehouse(warehouse.adminUrl, {
      orders: ORDERS,
      readerPassword: TEST_READER_PASSWORD,
    });

    // `seeded: false` says nothing was written again; the sums say so too.
    expect(result).toMatchObject({ seeded: false, orders: ORDERS });
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

      expect(result).toMatchObject({ seeded: true, orders: 3000 });
      expect(await count(sql, 'orders')).toBe(3000);
      expect(await count(smallReader, 'orders')).toBe(3000);
    } finally {
      await smallReader.end({ timeout: 5 });
      await sql.end({ timeout: 5 });
      await small.drop();
    }
  });
});

describe('the demo reader against other sessions of the same role (issue 7, item 12)', () => {
  const SECRET = `secret-literal-${Math.random().toString(36).slice(2)}`;
  let victim: postgres.Sql;
  let running: Promise<unknown>;
  let victimPid = 0;

  beforeAll(async () => {
    victim = postgres({ ...warehouse.reader, max: 1, onnotice: () => {} });
    running = victim.unsafe(`select pg_sleep(20), '${SECRET}' as literal`).catch((error) => error);
    for (let i = 0; i < 100 && !victimPid; i++) {
      const [row] = await admin<{ pid: number }[]>`
        select pid from pg_stat_activity where query like ${`%${SECRET}%`} and pid <> pg_backend_pid()`;
      victimPid = row?.pid ?? 0;
      if (!victimPid) await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(async () => {
    if (victimPid) await admin`select pg_cancel_backend(${victimPid})`;
    await running;
    await victim?.end({ timeout: 5 });
  });

  it("cannot read another reader session's SQL through pg_stat_activity or pg_stat_get_activity", async () => {
    expect(victimPid).toBeGreaterThan(0);
    expect(await sqlstateOf(reader.unsafe('select query from pg_stat_activity'))).toBe('42501');
    expect(await sqlstateOf(reader.unsafe('select query from pg_stat_get_activity(null)'))).toBe('42501');
    expect(
      await sqlstateOf(
        reader.unsafe(`select pg_stat_get_backend_activity(b) from pg_stat_get_backend_idset() b`),
      ),
    ).toBe('42501');
    expect(await sqlstateOf(reader.unsafe('select pid, mode from pg_locks'))).toBe('42501');
  });

  it('cannot cancel or terminate another reader session', async () => {
    expect(await sqlstateOf(reader`select pg_cancel_backend(${victimPid})`)).toBe('42501');
    expect(await sqlstateOf(reader`select pg_terminate_backend(${victimPid})`)).toBe('42501');
    const [still] = await admin<
      { n: number }[]
    >`select count(*)::int as n from pg_stat_activity where pid = ${victimPid}`;
    expect(still?.n).toBe(1);
  });

  it("still cancels its own query with the protocol's cancel request, as the runner does", async () => {
    const own = reader.unsafe('select pg_sleep(20)');
    setTimeout(() => void own.cancel(), 200);
    expect(await sqlstateOf(own)).toBe('57014');
  });
});

describe('the demo reader against writes and exhaustion (issue 7, item 13)', () => {
  it('stores no large objects: lo_from_bytea, lo_create and lo_creat are refused', async () => {
    expect(await sqlstateOf(reader.unsafe(`select lo_from_bytea(0, '\\xdeadbeef'::bytea)`))).toBe('42501');
    expect(await sqlstateOf(reader.unsafe('select lo_create(0)'))).toBe('42501');
    expect(await sqlstateOf(reader.unsafe('select lo_creat(-1)'))).toBe('42501');
    const [row] = await admin<{ n: number }[]>`select count(*)::int as n from pg_largeobject_metadata`;
    expect(row?.n).toBe(0);
  });

  it('creates no temporary tables (PUBLIC has no TEMP on the warehouse)', async () => {
    expect(await sqlstateOf(reader.unsafe('create temporary table scratch (x int)'))).toBe('42501');
  });

  it('is stopped by temp_file_limit (53400) when a sort spills gigabytes to disk, and cannot raise it', async () => {
    expect(await sqlstateOf(reader.unsafe(`set temp_file_limit = '100GB'`))).toBe('42501');
    expect(await sqlstateOf(reader.unsafe(`alter role ${DEMO_WAREHOUSE_ROLE} reset temp_file_limit`))).toBe(
      '42501',
    );
    // The attack's query; the offset keeps the test's own memory small if the limit ever failed.
    const bomb = reader.unsafe(
      'select * from generate_series(1, 50000000) g order by 1 desc offset 49999999',
    );
    expect(await sqlstateOf(bomb)).toBe('53400');
  }, 60_000);

  it('may still raise its own work_mem (PostgreSQL has no ceiling for it): the role default is only the usual size', async () => {
    const [before] = await reader<{ w: string }[]>`select current_setting('work_mem') as w`;
    expect(before?.w).toBe('32MB');
    const [after] = await reader<{ w: string }[]>`select set_config('work_mem', '1536MB', false) as w`;
    expect(after?.w).toBe('1536MB');
    await reader`reset work_mem`;
  });
});

describe('the demo reader through another database of the same server (pg_stat_activity is cluster-wide)', () => {
  const other = `quarry_t_other_${randomBytes(4).toString('hex')}`;
  let victim: postgres.Sql;
  let running: Promise<unknown>;

  beforeAll(async () => {
    await admin.unsafe(`create database ${other}`);
    victim = postgres({ ...warehouse.reader, max: 1, onnotice: () => {} });
    running = victim.unsafe(`select pg_sleep(20), 'other-db-secret' as literal`).catch((error) => error);
  });

  afterAll(async () => {
    await admin`select pg_cancel_backend(pid) from pg_stat_activity where query like '%other-db-secret%' and pid <> pg_backend_pid()`;
    await running;
    await victim?.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists ${other} with (force)`);
  });

  it('names the databases where the reader could still read its sessions, and closes the ones it is told to', async () => {
    const untouched = await seedDemoWarehouse(warehouse.adminUrl, {
      orders: ORDERS,
      readerPassword: TEST_READER_PASSWORD,
    });
    // Not asked, the seed neither touches nor looks at other databases (tests share one server).
    expect(untouched.exposedDatabases).toEqual([]);
    const before = await seedDemoWarehouse(warehouse.adminUrl, {
      orders: ORDERS,
      readerPassword: TEST_READER_PASSWORD,
      hardenOtherDatabases: [],
    });
    expect(before.exposedDatabases).toContain(other);

    const after = await seedDemoWarehouse(warehouse.adminUrl, {
      orders: ORDERS,
      readerPassword: TEST_READER_PASSWORD,
      hardenOtherDatabases: [other],
    });
    expect(after.exposedDatabases).not.toContain(other);

    const elsewhere = postgres({ ...warehouse.reader, database: other, max: 1, onnotice: () => {} });
    try {
      expect(await sqlstateOf(elsewhere.unsafe('select query from pg_stat_activity'))).toBe('42501');
      expect(await sqlstateOf(elsewhere.unsafe('select query from pg_stat_get_activity(null)'))).toBe(
        '42501',
      );
      expect(await sqlstateOf(elsewhere.unsafe('select pg_cancel_backend(1)'))).toBe('42501');
    } finally {
      await elsewhere.end({ timeout: 5 });
    }
  });
});
