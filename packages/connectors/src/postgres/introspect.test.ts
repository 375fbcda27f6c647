import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntrospectProgress, SchemaFilter, SchemaTable } from '../registry/connector';
import type { PostgresConfig } from '../types';
import { introspectPostgres } from './introspect';

let warehouse: TestWarehouse;
let config: PostgresConfig;

const NONE: SchemaFilter = { include: [], exclude: [] };

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 10 });
  config = { ...warehouse.settings, password: warehouse.reader.password };
  const admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`
      create schema sales;
      create table sales.deals (
        region text not null, id bigint not null, amount numeric(12,2), gone int, note varchar(40),
        primary key (region, id));
      alter table sales.deals drop column gone;
      comment on table sales.deals is 'One row per deal';
      comment on column sales.deals.amount is 'In euros';
      create view sales.big_deals as select * from sales.deals where amount > 1000;
      create materialized view sales.deal_totals as select region, sum(amount) as total from sales.deals group by region;
      create table sales.events (at timestamptz not null, kind text) partition by range (at);
      create table sales.events_2026 partition of sales.events for values from ('2026-01-01') to ('2027-01-01');
      create table sales.scratch_tmp (x int);
      create schema hidden;
      create table hidden.payroll (salary int);
      grant usage on schema sales to ${warehouse.reader.username};
      grant select on all tables in schema sales to ${warehouse.reader.username};
      create table sales.not_granted (y int);
    `);
  } finally {
    await admin.end({ timeout: 5 });
  }
});

afterAll(async () => {
  await warehouse?.drop();
});

async function introspect(filter: SchemaFilter = NONE, progress: IntrospectProgress[] = []) {
  const result = await introspectPostgres(config, filter, {
    allow: LOOPBACK,
    timeoutMs: 10_000,
    onProgress: (p) => progress.push(p),
  });
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const names = (tables: SchemaTable[]) => tables.map((t) => `${t.schema}.${t.name}`).sort();

describe('introspectPostgres', () => {
  it('reads tables, views, materialized views and partitioned tables with their columns', async () => {
    const tables = await introspect();
    expect(names(tables)).toEqual(
      expect.arrayContaining([
        'public.customers',
        'public.orders',
        'sales.big_deals',
        'sales.deal_totals',
        'sales.deals',
        'sales.events',
      ]),
    );
    const deals = tables.find((t) => t.schema === 'sales' && t.name === 'deals');
    expect(deals).toMatchObject({
      database: warehouse.reader.database,
      kind: 'table',
      comment: 'One row per deal',
    });
    expect(deals?.columns).toEqual([
      { name: 'region', dbType: 'text', nullable: false, comment: null, primaryKey: true, position: 1 },
      { name: 'id', dbType: 'bigint', nullable: false, comment: null, primaryKey: true, position: 2 },
      {
        name: 'amount',
        dbType: 'numeric(12,2)',
        nullable: true,
        comment: 'In euros',
        primaryKey: false,
        position: 3,
      },
      {
        name: 'note',
        dbType: 'character varying(40)',
        nullable: true,
        comment: null,
        primaryKey: false,
        position: 4,
      },
    ]);
    expect(tables.find((t) => t.name === 'big_deals')?.kind).toBe('view');
    expect(tables.find((t) => t.name === 'deal_totals')?.kind).toBe('materialized_view');
    expect(tables.find((t) => t.name === 'events')?.columns.map((c) => c.name)).toEqual(['at', 'kind']);
  });

  it('leaves out system schemas, partitions, and what the role may not use or read', async () => {
    const all = names(await introspect());
    expect(all.some((n) => /^(pg_catalog|information_schema|pg_toast)\./.test(n))).toBe(false);
    expect(all).not.toContain('sales.events_2026');
    expect(all).not.toContain('hidden.payroll');
    expect(all).not.toContain('sales.not_granted');
  });

  it('applies include and exclude rules by schema and table pattern', async () => {
    const onlySales = names(
      await introspect({ include: [{ schema: 'SALES' }], exclude: [{ table: '*_tmp' }] }),
    );
    expect(onlySales).toEqual(['sales.big_deals', 'sales.deal_totals', 'sales.deals', 'sales.events']);
    const noSales = names(await introspect({ include: [], exclude: [{ schema: 'sales' }] }));
    expect(noSales.some((n) => n.startsWith('sales.'))).toBe(false);
    expect(noSales).toContain('public.orders');
    const otherDatabase = await introspect({ include: [{ database: 'elsewhere' }], exclude: [] });
    expect(otherDatabase).toEqual([]);
  });

  it('reports progress up to the total it announced', async () => {
    const progress: IntrospectProgress[] = [];
    const tables = await introspect(NONE, progress);
    expect(progress[0]).toEqual({ done: 0, total: tables.length });
    expect(progress.at(-1)).toEqual({ done: tables.length, total: tables.length });
  });

  it('answers a typed error for a database that does not exist, never throwing', async () => {
    const result = await introspectPostgres({ ...config, database: 'no_such_database' }, NONE, {
      allow: LOOPBACK,
      timeoutMs: 10_000,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('connector.database_not_found');
  });
});
