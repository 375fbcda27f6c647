import { describe, expect, it } from 'vitest';
import { describeKind } from '../registry/describe-kind';
import { mysqlConnectors } from './index';
import { MysqlSecrets, MysqlSettings, mysqlConfigFrom } from './kind';

const good = { host: 'db.example.com', database: 'shop', username: 'reader' };

const refused = (settings: Record<string, unknown>) => {
  const parsed = MysqlSettings.safeParse(settings);
  if (parsed.success) throw new Error(`expected a refusal of ${JSON.stringify(settings)}`);
  return parsed.error.issues[0];
};

describe('the MySQL kinds', () => {
  it('are MySQL, then the MariaDB and Cloud SQL presets: tier 1, port 3306, TLS configurable and on by default', () => {
    const kinds = mysqlConnectors.map((c) => describeKind(c.declaration));
    expect(kinds.map((k) => [k.kind, k.label])).toEqual([
      ['mysql', 'MySQL'],
      ['mariadb', 'MariaDB'],
      ['cloudsql_mysql', 'Cloud SQL (MySQL)'],
    ]);
    for (const kind of kinds) {
      expect(kind).toMatchObject({
        tier: 1,
        dialect: 'mysql',
        defaultPort: 3306,
        tls: {
          requirement: 'configurable',
          modes: ['disable', 'require', 'verify-ca', 'verify-full'],
          default: 'require',
        },
        features: { schemaBrowsing: true, ssh: true, tls: true },
      });
      // The SSH tunnel's fields (section `ssh`) come with every kind; these are MySQL's own.
      expect(kind.fields.some((f) => f.section === 'ssh')).toBe(true);
      const own = kind.fields.filter((f) => !f.name.startsWith('ssh'));
      expect(own.map((f) => [f.name, f.section, f.input])).toEqual([
        ['host', 'connection', 'text'],
        ['port', 'connection', 'integer'],
        ['database', 'connection', 'text'],
        ['username', 'credentials', 'text'],
        ['sslMode', 'tls', 'select'],
        ['caCertificate', 'tls', 'textarea'],
        ['password', 'credentials', 'secret'],
      ]);
    }
  });

  it('fills the defaults and hands the connector the unsealed password', () => {
    expect(mysqlConfigFrom(good, { password: 'pw' })).toEqual({
      ...good,
      port: 3306,
      sslMode: 'require',
      password: 'pw',
    });
    expect(mysqlConfigFrom(good, {}).password).toBe('');
  });

  it.each([
    ['a connection string', { ...good, uri: 'mysql://u:p@h/db' }],
    ['a socket path option', { ...good, socketPath: '/var/run/mysqld/mysqld.sock' }],
    ['multiple statements', { ...good, multipleStatements: true }],
    ['driver flags (LOCAL_FILES)', { ...good, flags: ['LOCAL_FILES'] }],
    ['an ssl profile or file options', { ...good, ssl: { ca: '/etc/ssl/ca.pem' } }],
    ['a server-side setting', { ...good, initSql: 'SET GLOBAL local_infile = 1' }],
  ])('refuses %s as an unknown field (CONN-1)', (_what, settings) => {
    expect(refused(settings)?.code).toBe('unrecognized_keys');
  });

  it.each([
    ['a socket path', '/var/run/mysqld/mysqld.sock'],
    ['a URL', 'mysql://db.example.com'],
    ['a host with a port', 'db.example.com:3307'],
    ['a host with options', 'db.example.com?ssl=false'],
  ])('refuses %s as the host', (_what, host) => {
    expect(refused({ ...good, host })?.path).toEqual(['host']);
  });

  it('takes a CA certificate only as PEM text, never a file path (CONN-1)', () => {
    expect(refused({ ...good, caCertificate: '/etc/ssl/certs/ca.pem' })?.path).toEqual(['caCertificate']);
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----';
    expect(MysqlSettings.parse({ ...good, sslMode: 'verify-ca', caCertificate: pem }).caCertificate).toBe(
      pem,
    );
  });

  it('takes only a password as a secret', () => {
    expect(MysqlSecrets.safeParse({ password: 'x', privateKey: 'y' }).success).toBe(false);
  });
});
