import { z } from 'zod';
import type { ConnectorKind, FieldMeta } from '../registry/connector-kind';
import { HostName, ObjectName, Port } from '../registry/host-name';
import { sshSecretsShape, sshSettingsShape, sshTunnelFieldIssue } from '../ssh/fields';

const meta = (m: FieldMeta) => m;

export const MYSQL_SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type MysqlSslMode = (typeof MYSQL_SSL_MODES)[number];

/** The largest CA bundle we accept as text: a chain of a few certificates, with room to spare. */
const MAX_PEM_CHARS = 64 * 1024;

const sslModeLabels = {
  disable: 'Off (private network only)',
  require: 'Required (encrypted)',
  'verify-ca': 'Verify the certificate authority',
  'verify-full': 'Verify certificate and host name',
} satisfies Record<MysqlSslMode, string>;

/**
 * MySQL's settings: exactly these fields (CONN-1: no connection string, no driver option, the CA
 * as pasted text and never a path). TLS is on by default although the seed calls it Configurable
 * for MySQL: MySQL (5.7+) makes a certificate at first start, Cloud SQL offers TLS on every
 * instance, MariaDB does from 11.4; a server without it is refused with a clear error and the hint
 * to turn it off, rather than sending the password and the data in the clear without anyone choosing so.
 */
export const mysqlSettings = (defaults: { sslHelp: string }) =>
  z.strictObject({
    host: HostName.meta(meta({ label: 'Host', section: 'connection', placeholder: 'db.example.com' })),
    port: Port.default(3306).meta(meta({ label: 'Port', section: 'connection' })),
    database: ObjectName('database name').meta(meta({ label: 'Database', section: 'connection' })),
    username: ObjectName('user name').meta(meta({ label: 'User name', section: 'credentials' })),
    sslMode: z
      .enum(MYSQL_SSL_MODES)
      .default('require')
      .meta(meta({ label: 'SSL/TLS', section: 'tls', help: defaults.sslHelp, optionLabels: sslModeLabels })),
    caCertificate: z
      .string()
      .trim()
      .max(MAX_PEM_CHARS, 'A CA certificate has at most 64 KB of PEM text')
      .refine(
        (pem) => pem === '' || /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----$/.test(pem),
        'Paste the CA certificate as PEM text (-----BEGIN CERTIFICATE----- …)',
      )
      .optional()
      .meta(
        meta({
          label: 'CA certificate',
          section: 'tls',
          multiline: true,
          help: "The certificate authority that signed the server's certificate, as PEM text; used by the verify modes (the system's CAs when empty)",
          placeholder: '-----BEGIN CERTIFICATE-----',
        }),
      ),
    ...sshSettingsShape,
  });

export const MysqlSettings = mysqlSettings({
  sslHelp: 'Encrypted unless you turn it off for a server on a private network',
});
export type MysqlSettings = z.infer<typeof MysqlSettings>;

export const MysqlSecrets = z.strictObject({
  password: z
    .string()
    .max(1024, 'A password has at most 1024 characters')
    .optional()
    .meta(meta({ label: 'Password', section: 'credentials' })),
  ...sshSecretsShape,
});
export type MysqlSecrets = z.infer<typeof MysqlSecrets>;

/** What the MySQL connector connects with: the settings and the unsealed password. */
export type MysqlConfig = MysqlSettings & { password: string };

const features = { schemaBrowsing: true, chartCells: true, ctePushDown: true, ssh: true, tls: true };

const mysqlDeclaration = (kind: string, label: string, sslHelp: string): ConnectorKind => ({
  kind,
  label,
  tier: 1,
  dialect: 'mysql',
  features,
  defaultPort: 3306,
  tls: { requirement: 'configurable', modes: MYSQL_SSL_MODES, default: 'require' },
  settings: kind === 'mysql' ? MysqlSettings : mysqlSettings({ sslHelp }),
  secrets: MysqlSecrets,
  // The SSH tunnel's fields go together (host, user name, key).
  check: sshTunnelFieldIssue,
});

export const mysqlKind = mysqlDeclaration(
  'mysql',
  'MySQL',
  'Encrypted unless you turn it off for a server on a private network',
);

export const mariadbKind = mysqlDeclaration(
  'mariadb',
  'MariaDB',
  'Encrypted unless you turn it off; MariaDB before 11.4 serves TLS only once it is given a certificate',
);

export const cloudSqlMysqlKind = mysqlDeclaration(
  'cloudsql_mysql',
  'Cloud SQL (MySQL)',
  "Encrypted by default; to verify, paste the instance's server CA and choose Verify the certificate authority (its certificates do not name the host)",
);

/** The driver's settings from a parsed MySQL-protocol connection (any of the kinds above). */
export const mysqlConfigFrom = (
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
): MysqlConfig => {
  const parsed = MysqlSettings.parse(settings);
  return { ...parsed, password: secrets.password ?? '' };
};
