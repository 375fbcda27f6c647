import { randomBytes, randomUUID } from 'node:crypto';
import { createTestWarehouse, type TestWarehouse } from '@quarry/db/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditReaderRole } from './role-audit';

let warehouse: TestWarehouse;
let admin: postgres.Sql;
const suffix = randomBytes(4).toString('hex');
const roles = {
  superuser: `quarry_t_super_${suffix}`,
  writer: `quarry_t_writer_${suffix}`,
  watcher: `quarry_t_watcher_${suffix}`,
};
const password: string = randomUUID();

beforeAll(async () => {
  // The hardened demo warehouse: its own reader is the clean case.
  warehouse = await createTestWarehouse({ orders: 10 });
  admin = postgres(warehouse.adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create role ${roles.superuser} login superuser password '${password}'`);
  await admin.unsafe(`create role ${roles.writer} login createdb createrole password '${password}'`);
  await admin.unsafe(`grant connect on database "${warehouse.reader.database}" to ${roles.writer}`);
  await admin.unsafe(`grant usage on schema public to ${roles.writer}`);
  await admin.unsafe(`grant select, insert, update on public.orders to ${roles.writer}`);
  await admin.unsafe(
    `create role ${roles.watcher} login password '${password}' in role pg_monitor, pg_signal_backend`,
  );
  await admin.unsafe(`grant connect on database "${warehouse.reader.database}" to ${roles.watcher}`);
});

afterAll(async () => {
  for (const role of Object.values(roles)) {
    await admin?.unsafe(`revoke all on database "${warehouse.reader.database}" from ${role}`).catch(() => {});
    await admin?.unsafe(`drop owned by ${role}`).catch(() => {});
    await admin?.unsafe(`drop role if exists ${role}`);
  }
  await admin?.end({ timeout: 5 });
  await warehouse?.drop();
});

async function auditAs(username: string, pass = password) {
  const sql = postgres({ ...warehouse.reader, username, password: pass, max: 1, onnotice: () => {} });
  try {
    return await auditReaderRole(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

describe('auditReaderRole', () => {
  it("finds nothing to warn about on the hardened demo warehouse's reader", async () => {
    expect(await auditAs(warehouse.reader.username, warehouse.reader.password)).toEqual([]);
  });

  it('warns about a superuser, with the SQL that fixes it, and nothing else until that is fixed', async () => {
    expect(await auditAs(roles.superuser)).toEqual([
      {
        code: 'role.superuser',
        message: expect.any(String),
        fix: `ALTER ROLE ${roles.superuser} NOSUPERUSER;`,
      },
    ]);
  });

  it('warns about a role that writes tables and creates roles and databases', async () => {
    const warnings = await auditAs(roles.writer);
    expect(warnings.map((w) => w.code)).toEqual(['role.createrole', 'role.createdb', 'role.can_write']);
    expect(warnings.find((w) => w.code === 'role.can_write')?.fix).toBe(
      `REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public FROM ${roles.writer}, PUBLIC;`,
    );
  });

  it('warns about a role that may see and signal other sessions through its memberships', async () => {
    const warnings = await auditAs(roles.watcher);
    expect(warnings.map((w) => w.code)).toEqual(['role.sees_other_sessions', 'role.signals_other_sessions']);
    expect(warnings[0]?.fix).toContain(`REVOKE pg_monitor FROM ${roles.watcher};`);
    expect(warnings[1]?.fix).toBe(`REVOKE pg_signal_backend FROM ${roles.watcher};`);
  });

  it('warns, on a database as PostgreSQL ships it, that readers see, cancel and store what they should not', async () => {
    // Give back what the demo's hardening took from PUBLIC, in a scratch database of its own.
    const name = `quarry_t_plain_${suffix}`;
    await admin.unsafe(`create database ${name}`);
    try {
      const sql = postgres({
        ...warehouse.reader,
        database: name,
        username: roles.writer,
        password,
        max: 1,
        onnotice: () => {},
      });
      try {
        expect((await auditReaderRole(sql)).map((w) => w.code)).toEqual([
          'role.createrole',
          'role.createdb',
          'role.creates_temp_tables',
          'role.sees_other_sessions',
          'role.signals_other_sessions',
          'role.large_objects',
        ]);
      } finally {
        await sql.end({ timeout: 5 });
      }
    } finally {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
    }
  });
});
