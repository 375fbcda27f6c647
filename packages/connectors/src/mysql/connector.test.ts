import { randomBytes } from 'node:crypto';
import { EMPTY_ALLOW_LIST } from '@quarry/net-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorOf } from '../registry/bound-connector';
import type { IntrospectProgress, SchemaTable } from '../registry/connector';
import { parseConnection } from '../registry/parse-connection';
import type { ConnectorError, StreamEvent } from '../types';
import { mysqlConnectors } from './index';
import type { MysqlConfig } from './kind';
import { createMysqlTestDatabase, loopbackContext, type MysqlTestDatabase, mysqlTestUrl } from './testing';

const url = mysqlTestUrl(process.env);
let db: MysqlTestDatabase;
const [mysql] = mysqlConnectors;
if (!mysql) throw new Error('no MySQL connector');
const connector = mysql;

/** A reader account of this test file's own, dropped afterwards. */
const reader = `quarry_r_${randomBytes(4).toString('hex')}`;
const readerPassword = randomBytes(12).toString('hex');
let other: string;

beforeAll(async () => {
  if (!url) return;
  db = await createMysqlTestDatabase(url);
  other = `${db.name}_other`;
  await db.admin.query(
    `CREATE TABLE customers (id INT NOT NULL, region CHAR(2) NOT NULL, name VARCHAR(40) NULL COMMENT 'Full name',
       PRIMARY KEY (id, region)) COMMENT 'Who buys';
     CREATE TABLE secret_salaries (id INT PRIMARY KEY, amount DECIMAL(10,2));
     CREATE VIEW big_customers AS SELECT id, name FROM customers WHERE id > 100;
     CREATE DATABASE \`${other}\`;
     CREATE TABLE \`${other}\`.elsewhere (x INT);
     CREATE USER '${reader}'@'%' IDENTIFIED BY '${readerPassword}';
     GRANT SELECT, SHOW VIEW ON \`${db.name}\`.* TO '${reader}'@'%';`,
  );
});

afterAll(async () => {
  if (!db) return;
  await db.admin.query(`DROP USER IF EXISTS '${reader}'@'%'; DROP DATABASE IF EXISTS \`${other}\``);
  await db.drop();
});

const readerConfig = (): MysqlConfig => ({ ...db.config, username: reader, password: readerPassword });

async function testError(config: MysqlConfig, allow = loopbackContext().allow): Promise<ConnectorError> {
  const result = await connector.test(config, loopbackContext({ allow }));
  if (result.ok) throw new Error('expected the test to fail');
  return result.error;
}

describe.skipIf(!url)('the MySQL connector', () => {
  describe('test()', () => {
    it('signs in, times a round trip, names the server, and warns that root is an administrator', async () => {
      const result = await connector.test(db.config, loopbackContext());
      if (!result.ok) throw new Error(result.error.message);
      expect(result.value.serverVersion).toMatch(/MariaDB/);
      expect(result.value.latencyMs).toBeGreaterThanOrEqual(0);
      expect(result.value.warnings.map((w) => w.code)).toEqual(['role.superuser']);
      expect(result.value.warnings[0]?.fix).toContain('REVOKE ALL PRIVILEGES, GRANT OPTION FROM');
    });

    it('warns of each privilege beyond reading, and each warning goes once its fix has run', async () => {
      const clean = await connector.test(readerConfig(), loopbackContext());
      if (!clean.ok) throw new Error(clean.error.message);
      expect(clean.value.warnings).toEqual([]);

      await db.admin.query(
        `GRANT INSERT, UPDATE, CREATE TEMPORARY TABLES ON \`${db.name}\`.* TO '${reader}'@'%';
         GRANT FILE, PROCESS ON *.* TO '${reader}'@'%'`,
      );
      const risky = await connector.test(readerConfig(), loopbackContext());
      if (!risky.ok) throw new Error(risky.error.message);
      expect(risky.value.warnings.map((w) => w.code).sort()).toEqual([
        'role.can_write',
        'role.creates_temp_tables',
        'role.sees_other_sessions',
        'role.server_files',
      ]);
      // The fixes are SQL an administrator runs as they are; after them the account reads only.
      for (const warning of risky.value.warnings) await db.admin.query(warning.fix);
      // A role's privileges count when the role is active at sign-in (its default role).
      const role = `${reader}_writer`;
      await db.admin.query(
        `CREATE ROLE \`${role}\`; GRANT DELETE ON \`${db.name}\`.* TO \`${role}\`;
         GRANT \`${role}\` TO '${reader}'@'%'; SET DEFAULT ROLE \`${role}\` FOR '${reader}'@'%'`,
      );
      const viaRole = await connector.test(readerConfig(), loopbackContext());
      if (!viaRole.ok) throw new Error(viaRole.error.message);
      expect(viaRole.value.warnings.map((w) => [w.code, w.fix])).toEqual([
        ['role.can_write', `REVOKE DELETE ON \`${db.name}\`.* FROM \`${role}\`;`],
      ]);
      for (const warning of viaRole.value.warnings) await db.admin.query(warning.fix);
      await db.admin.query(`DROP ROLE \`${role}\``);
      const fixed = await connector.test(readerConfig(), loopbackContext());
      if (!fixed.ok) throw new Error(fixed.error.message);
      expect(fixed.value.warnings).toEqual([]);
    });

    it('refuses a wrong password with connector.auth_failed, and never shows the password', async () => {
      const error = await testError({ ...readerConfig(), password: 'not-the-password' });
      expect(error.code).toBe('connector.auth_failed');
      expect(JSON.stringify({ ...error, internal: undefined })).not.toContain('not-the-password');
    });

    it('names an unknown database', async () => {
      const error = await testError({ ...db.config, database: 'quarry_no_such_database' });
      expect(error.code).toBe('connector.database_not_found');
    });

    it('names an unknown host, and an unreachable port', async () => {
      expect((await testError({ ...db.config, host: 'no-such-host.invalid' })).code).toBe('net.unresolvable');
      expect((await testError({ ...db.config, port: 1 })).code).toBe('connector.unreachable');
    });

    it('refuses loopback in every spelling unless the operator allowed it (CONN-2)', async () => {
      for (const host of [
        '127.0.0.1',
        'localhost',
        '2130706433',
        '0x7f000001',
        '127.1',
        '::ffff:127.0.0.1',
      ]) {
        const error = await testError({ ...db.config, host }, EMPTY_ALLOW_LIST);
        expect(error.code, host).toBe('net.address_refused');
      }
    });

    it('refuses TLS modes when the server offers no TLS, with connector.tls_unavailable', async () => {
      for (const sslMode of ['require', 'verify-ca', 'verify-full'] as const) {
        // verify-full checks a host name: by name, not by address.
        const error = await testError({ ...db.config, host: 'localhost', sslMode });
        expect(error.code, sslMode).toBe('connector.tls_unavailable');
      }
    });
  });

  describe('introspect()', () => {
    it('reads databases, tables, views and columns, skipping system and filtered ones, with progress', async () => {
      const progress: IntrospectProgress[] = [];
      const result = await connector.introspect(
        db.config,
        { include: [{ database: 'quarry_t_*' }], exclude: [{ table: 'secret_*' }, { database: '*_other' }] },
        { ...loopbackContext(), onProgress: (p) => progress.push(p) },
      );
      if (!result.ok) throw new Error(result.error.message);
      const mine = result.value.filter((t) => t.database === db.name);
      expect(
        result.value.every((t) => t.database.startsWith('quarry_t_') && !t.database.endsWith('_other')),
      ).toBe(true);
      expect(mine.map((t) => [t.name, t.kind])).toEqual([
        ['big_customers', 'view'],
        ['customers', 'table'],
      ]);
      const customers = mine.find((t) => t.name === 'customers') as SchemaTable;
      expect(customers).toMatchObject({ database: db.name, schema: db.name, comment: 'Who buys' });
      expect(customers.columns).toEqual([
        { name: 'id', dbType: 'int(11)', nullable: false, comment: null, primaryKey: true, position: 1 },
        { name: 'region', dbType: 'char(2)', nullable: false, comment: null, primaryKey: true, position: 2 },
        {
          name: 'name',
          dbType: 'varchar(40)',
          nullable: true,
          comment: 'Full name',
          primaryKey: false,
          position: 3,
        },
      ]);
      expect(mine.find((t) => t.name === 'big_customers')?.comment).toBeNull();
      expect(progress[0]).toEqual({ done: 0, total: result.value.length });
      expect(progress.at(-1)).toEqual({ done: result.value.length, total: result.value.length });

      const everything = await connector.introspect(
        db.config,
        { include: [], exclude: [] },
        loopbackContext(),
      );
      if (!everything.ok) throw new Error(everything.error.message);
      const databases = new Set(everything.value.map((t) => t.database));
      expect(databases.has(other)).toBe(true);
      expect(everything.value.some((t) => t.name === 'secret_salaries')).toBe(true);
      for (const system of ['mysql', 'information_schema', 'performance_schema', 'sys'])
        expect(databases.has(system)).toBe(false);
    });
  });

  describe('the registry', () => {
    it('parses a MariaDB connection and hands out its connector, settings bound in', async () => {
      const parsed = parseConnection({
        kind: 'mariadb',
        settings: {
          host: db.config.host,
          port: db.config.port,
          database: db.name,
          username: reader,
          sslMode: 'disable',
        },
        secrets: { password: readerPassword },
      });
      if (!parsed.ok) throw new Error(parsed.error.message);
      const bound = connectorOf(parsed.value);
      expect(bound.declaration.kind).toBe('mariadb');
      const events: StreamEvent[] = [];
      for await (const event of bound.stream(
        { sql: 'SELECT CURRENT_USER() AS who', params: [], rowLimit: 10 },
        loopbackContext(),
      ))
        events.push(event);
      expect(events.at(-2)).toEqual({ type: 'rows', rows: [[`${reader}@%`]] });
      expect(
        parseConnection({
          kind: 'mariadb',
          settings: { host: 'x.example.com', database: 'd', username: 'u', flags: 'LOCAL_FILES' },
          secrets: {},
        }).ok,
      ).toBe(false);
    });
  });

  describe('introspect() cancelled', () => {
    it('stops at its signal with run.cancelled', async () => {
      const controller = new AbortController();
      controller.abort();
      const result = await connector.introspect(
        db.config,
        { include: [], exclude: [] },
        loopbackContext({ signal: controller.signal }),
      );
      expect(result.ok ? 'finished' : result.error.code).toBe('run.cancelled');
    });
  });

  describe('cancel()', () => {
    it.each([
      ['as text', 'SELECT SLEEP(60)', []],
      ['with bound parameters', 'SELECT SLEEP(?)', [60]],
    ])(
      "kills, on the server, the running query of a session named by the run's tag (%s)",
      async (_how, sql, params) => {
        const tag = `run_orphan_${randomBytes(3).toString('hex')}`;
        const events: StreamEvent[] = [];
        const orphan = (async () => {
          for await (const event of connector.stream(
            db.config,
            { sql, params, rowLimit: 10, tag },
            loopbackContext(),
          ))
            events.push(event);
        })();
        const deadline = Date.now() + 20_000;
        let cancelled = 0;
        while (Date.now() < deadline && cancelled === 0) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          const result = await connector.cancel(db.config, tag, loopbackContext());
          if (!result.ok) throw new Error(result.error.message);
          cancelled = result.value;
        }
        expect(cancelled).toBe(1);
        await orphan;
        const last = events.at(-1);
        expect(last?.type === 'error' && last.error.code).toBe('run.cancelled');
        // Another tag's session is left alone.
        const none = await connector.cancel(db.config, `${tag}_not`, loopbackContext());
        expect(none).toEqual({ ok: true, value: 0 });
      },
      60_000,
    );
  });
});
