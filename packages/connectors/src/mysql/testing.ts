import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { LOOPBACK_ALLOW_LIST } from '@quarry/net-policy';
import mysql from 'mysql2/promise';
import type { ConnectContext } from '../registry/connector';
import type { MysqlConfig } from './kind';

const run = promisify(execFile);

/**
 * The MySQL-protocol server the tests use: `MYSQL_URL` (the machine's MariaDB). Required under CI,
 * so a missing server fails the run instead of skipping the connector's proof; elsewhere its tests
 * skip, saying why.
 */
export function mysqlTestUrl(env: { MYSQL_URL?: string; CI?: string }): URL | null {
  const value = env.MYSQL_URL;
  if (!value) {
    if (env.CI === 'true')
      throw new Error(
        'MYSQL_URL is not set: the MySQL connector tests need a MySQL or MariaDB server under CI',
      );
    console.warn('MySQL connector tests skipped: set MYSQL_URL=mysql://user:password@host:port/database');
    return null;
  }
  return new URL(value);
}

export type MysqlTestDatabase = {
  name: string;
  /** The test database as the connector's config (TLS off: the machine's server has none). */
  config: MysqlConfig;
  /** An administrator's connection to the test server, straight through mysql2 (a test tool). */
  admin: mysql.Connection;
  /** What the `mariadb` command-line client prints for `sql` in the test database: rows of fields. */
  client: (sql: string) => Promise<string[][]>;
  drop: () => Promise<void>;
};

/** The context every test connects with: loopback allowed (CONN-2), 30 s statements. */
export const loopbackContext = (overrides: Partial<ConnectContext> = {}): ConnectContext => ({
  allow: LOOPBACK_ALLOW_LIST,
  timeoutMs: 30_000,
  ...overrides,
});

/** A fresh database for one test file on the test server; `drop()` removes it. */
export async function createMysqlTestDatabase(url: URL): Promise<MysqlTestDatabase> {
  const name = `quarry_t_${randomBytes(6).toString('hex')}`;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 3306);
  const admin = await mysql.createConnection({ host, port, user, password, multipleStatements: true });
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.query(`USE \`${name}\``);
  const client = async (sql: string) => {
    const { stdout } = await run(
      'mariadb',
      [
        '-h',
        host,
        '-P',
        String(port),
        '-u',
        user,
        ...(password ? [`--password=${password}`] : []),
        '-N',
        '-B',
        '--raw',
        '-e',
        sql,
        name,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    return stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split('\t'));
  };
  return {
    name,
    config: { host, port, database: name, username: user, password, sslMode: 'disable', sshPort: 22 },
    admin,
    client,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}
