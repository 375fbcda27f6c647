import { z } from 'zod';
import type { ConnectorKind, FieldMeta } from '../registry/connector-kind';
import { HostName, ObjectName, Port } from '../registry/host-name';

const meta = (m: FieldMeta) => m;

export const POSTGRES_SSL_MODES = ['disable', 'require', 'verify-full'] as const;

/** PostgreSQL's settings: exactly these fields (CONN-1: no connection string, no driver option). */
export const PostgresSettings = z.strictObject({
  host: HostName.meta(meta({ label: 'Host', section: 'connection', placeholder: 'db.example.com' })),
  port: Port.default(5432).meta(meta({ label: 'Port', section: 'connection' })),
  database: ObjectName('database name').meta(meta({ label: 'Database', section: 'connection' })),
  username: ObjectName('user name').meta(meta({ label: 'User name', section: 'credentials' })),
  sslMode: z
    .enum(POSTGRES_SSL_MODES)
    .default('require')
    .meta(
      meta({
        label: 'SSL/TLS',
        section: 'tls',
        help: 'PostgreSQL connections are encrypted unless you turn it off for a server on a private network',
        optionLabels: {
          disable: 'Off (private network only)',
          require: 'Required (encrypted)',
          'verify-full': 'Verify certificate and host name',
        },
      }),
    ),
});
export type PostgresSettings = z.infer<typeof PostgresSettings>;

export const PostgresSecrets = z.strictObject({
  password: z
    .string()
    .max(1024, 'A password has at most 1024 characters')
    .optional()
    .meta(meta({ label: 'Password', section: 'credentials' })),
});
export type PostgresSecrets = z.infer<typeof PostgresSecrets>;

export const postgresKind: ConnectorKind = {
  kind: 'postgres',
  label: 'PostgreSQL',
  tier: 1,
  dialect: 'postgresql',
  features: { schemaBrowsing: true, chartCells: true, ctePushDown: true, ssh: false, tls: true },
  defaultPort: 5432,
  tls: { requirement: 'required', modes: POSTGRES_SSL_MODES, default: 'require' },
  settings: PostgresSettings,
  secrets: PostgresSecrets,
};

/** The driver's settings from a parsed PostgreSQL connection. */
export const postgresConfigFrom = (settings: Record<string, unknown>, secrets: Record<string, string>) => {
  const parsed = PostgresSettings.parse(settings);
  return { ...parsed, password: secrets.password ?? '' };
};
