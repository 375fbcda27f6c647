import postgres from 'postgres';
import { hardenDemoReader, hardenOtherDatabases } from './harden-reader';
import { DEMO_WAREHOUSE_SQL, DEMO_WAREHOUSE_VERSION } from './schema-sql';

export const DEMO_WAREHOUSE_ROLE = 'quarry_demo_reader';

export type DemoWarehouseOptions = {
  orders: number;
  readerPassword: string;
  /**
   * Other databases of the server to close to the reader's view of sessions (see
   * hardenOtherDatabases): `'all'` on a server Quarry owns (the embedded one), `[]` to only
   * report the ones still open (a server that is someone else's). Unset, no other database is
   * touched or even looked at: tests share one server whose databases come and go.
   */
  hardenOtherDatabases?: readonly string[] | 'all';
};

export type SeedResult = {
  seeded: boolean;
  orders: number;
  /** Databases where the reader could still read its role's sessions (log a warning about them). */
  exposedDatabases: string[];
};

/**
 * Fills `url`'s database with the demo e-commerce schema (customers, products, orders, order_items,
 * views) and a read-only login role for the demo connection. Idempotent: a marker table records what
 * was seeded, so a second `npm start` skips straight past it.
 */
export async function seedDemoWarehouse(url: string, options: DemoWarehouseOptions): Promise<SeedResult> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const marker = await sql<{ version: number; orders: number }[]>`
      select version, orders from pg_catalog.pg_tables t
      cross join lateral (select version, orders from public.quarry_demo_meta limit 1) m
      where t.schemaname = 'public' and t.tablename = 'quarry_demo_meta'`.catch(() => []);
    const existing = marker[0];
    if (existing && existing.version === DEMO_WAREHOUSE_VERSION && existing.orders === options.orders) {
      await ensureReaderRole(sql, options.readerPassword);
      const exposedDatabases = await otherDatabases(url, options);
      return { seeded: false, orders: existing.orders, exposedDatabases };
    }
    await sql.begin(async (tx) => {
      await tx.unsafe(DEMO_WAREHOUSE_SQL.replaceAll(':orders', String(Math.trunc(options.orders))));
      await tx`insert into public.quarry_demo_meta (version, orders) values (${DEMO_WAREHOUSE_VERSION}, ${options.orders})`;
    });
    await sql.unsafe('vacuum analyze');
    await ensureReaderRole(sql, options.readerPassword);
    const exposedDatabases = await otherDatabases(url, options);
    return { seeded: true, orders: options.orders, exposedDatabases };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const otherDatabases = (url: string, options: DemoWarehouseOptions): Promise<string[]> =>
  options.hardenOtherDatabases === undefined
    ? Promise.resolve([])
    : hardenOtherDatabases(url, DEMO_WAREHOUSE_ROLE, options.hardenOtherDatabases);

/**
 * The demo connection logs in as a role that can only read the demo schema, cannot see or signal
 * other sessions, and has a cap on temporary files (see harden-reader.ts).
 */
async function ensureReaderRole(sql: postgres.Sql, password: string): Promise<void> {
  // Roles are cluster-wide and parallel test files seed warehouses side by side. An advisory lock
  // is per database, so it orders seeds of one warehouse only; two warehouses altering the one role
  // at once get "tuple concurrently updated", which is safe to repeat.
  for (let attempt = 1; ; attempt++) {
    try {
      return await ensureReaderRoleOnce(sql, password);
    } catch (error) {
      const concurrent = (error as { code?: string }).code === 'XX000' && /concurrently/.test(String(error));
      if (!concurrent || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80 * attempt));
    }
  }
}

async function ensureReaderRoleOnce(sql: postgres.Sql, password: string): Promise<void> {
  await sql`select pg_advisory_lock(${READER_ROLE_LOCK})`;
  try {
    const exists = await sql`select 1 from pg_roles where rolname = ${DEMO_WAREHOUSE_ROLE}`;
    // Role names and passwords cannot be bound parameters in DDL; the name is a constant and the
    // password is quoted as a literal by the server's own quote_literal.
    const literal = (await sql<{ q: string }[]>`select quote_literal(${password}) as q`)[0]?.q;
    if (!literal) throw new Error('could not quote the demo reader password');
    const verb = exists.length ? 'alter' : 'create';
    await sql.unsafe(`${verb} role ${DEMO_WAREHOUSE_ROLE} with login password ${literal}`);
    await sql.unsafe(`grant usage on schema public to ${DEMO_WAREHOUSE_ROLE}`);
    await sql.unsafe(`grant select on all tables in schema public to ${DEMO_WAREHOUSE_ROLE}`);
    await hardenDemoReader(sql, DEMO_WAREHOUSE_ROLE);
  } finally {
    await sql`select pg_advisory_unlock(${READER_ROLE_LOCK})`;
  }
}

const READER_ROLE_LOCK = 7_242_001;
