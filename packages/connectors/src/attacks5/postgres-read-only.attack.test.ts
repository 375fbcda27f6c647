import { randomBytes } from 'node:crypto';
import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import { LOOPBACK_ALLOW_LIST as LOOPBACK } from '@quarry/net-policy';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { streamPostgres } from '../postgres/stream';
import type { PostgresConfig, StreamEvent } from '../types';

// The MySQL connector's read-only session falls to a stored program that commits (see
// mysql-read-only.attack.test.ts). The same escapes against PostgreSQL, by a login that may write.
let warehouse: TestWarehouse;
let admin: postgres.Sql;
let writer: PostgresConfig;
const role = `qrw_${randomBytes(4).toString('hex')}`;
const password = randomBytes(12).toString('hex');

beforeAll(async () => {
  warehouse = await createTestWarehouse({ orders: 10 });
  admin = postgres(warehouse.adminUrl, { max: 2, onnotice: () => {} });
  await admin.unsafe(`create role ${role} login password '${password}'`);
  await admin.unsafe(
    `grant connect on database "${warehouse.reader.database}" to ${role}; grant usage on schema public to ${role}`,
  );
  await admin.unsafe(`create table public.kept (v text); insert into public.kept values ('kept');
    grant all on public.kept to ${role}; grant create on schema public to ${role};
    create procedure public.escape_ro() language plpgsql as $$
      begin commit; set transaction read write; insert into public.kept values ('procedure'); commit; end $$;
    grant execute on procedure public.escape_ro() to ${role};`);
  writer = { ...warehouse.settings, username: role, password };
});

afterEach(async () => {
  await admin.unsafe(`delete from public.kept where v <> 'kept'; drop table if exists public.made_here`);
});

afterAll(async () => {
  await admin?.unsafe(`drop owned by ${role} cascade; drop role if exists ${role}`).catch(() => {});
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

async function run(sql: string): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of streamPostgres(writer, sql, [], {
    rowLimit: 1000,
    timeoutMs: 10_000,
    allow: LOOPBACK,
  }))
    events.push(event);
  return events;
}

describe("escaping the PostgreSQL connector's read-only transaction in one statement", () => {
  it.each([
    ['a procedure that commits', 'call public.escape_ro()'],
    [
      'a DO block that commits',
      `do $$ begin commit; set transaction read write; insert into public.kept values ('do'); commit; end $$`,
    ],
    ['set_config on transaction_read_only', "select set_config('transaction_read_only', 'off', false)"],
    [
      'a CTE that turns read-only off then writes',
      `with off as (select set_config('transaction_read_only','off',true))
       insert into public.kept select 'cte' from off`,
    ],
    ['create table as', 'create table public.made_here as select 1 as x'],
    ['alter own password', "alter role current_user password 'taken-over'"],
  ])('writes nothing through %s', async (_what, sql) => {
    const events = await run(sql);
    expect(events.at(-1)?.type).toBe('error');
    const rows = await admin<{ v: string }[]>`select v from public.kept order by v`;
    expect(rows.map((r) => r.v)).toEqual(['kept']);
    const [made] = await admin<
      { n: number }[]
    >`select count(*)::int as n from pg_tables where tablename = 'made_here'`;
    expect(made?.n).toBe(0);
    // The login's password is still the stored one.
    const check = postgres({
      ...warehouse.reader,
      username: role,
      password,
      ssl: { rejectUnauthorized: false },
      max: 1,
    });
    try {
      expect((await check`select 1 as one`)[0]?.one).toBe(1);
    } finally {
      await check.end({ timeout: 5 });
    }
  });

  it('lets COMMIT AND CHAIN end the transaction only into another read-only one', async () => {
    await run('commit and chain');
    const events = await run("insert into public.kept values ('after chain')");
    expect(events.at(-1)?.type).toBe('error');
    const rows = await admin<{ v: string }[]>`select v from public.kept order by v`;
    expect(rows.map((r) => r.v)).toEqual(['kept']);
  });
});
