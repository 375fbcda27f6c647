import { z } from 'zod';
import type { ConnectorKind, FieldMeta, SettingsIssue } from '../registry/connector-kind';
import { HostName, ObjectName, Port } from '../registry/host-name';
import { sshSecretsShape, sshSettingsShape, sshTunnelFieldIssue } from '../ssh/fields';
import { CertificateText, keyMatchesCertificate, PrivateKeyText } from '../tls/pem-text';
import type { PostgresConfig } from '../types';
import { identitySecretsShape, identitySettingsShape } from './identity/settings';

const meta = (m: FieldMeta) => m;

/**
 * TLS is required on PostgreSQL's wire (the seed's table): encrypted always, and verified as far as
 * the Admin chooses. There is no mode without encryption.
 */
export const POSTGRES_SSL_MODES = ['require', 'verify-ca', 'verify-full'] as const;
export type PostgresSslMode = (typeof POSTGRES_SSL_MODES)[number];

const SSL_MODE_LABELS: Record<PostgresSslMode, string> = {
  require: 'Required (encrypted, certificate not checked)',
  'verify-ca': 'Verify CA (certificate signed by the CA below)',
  'verify-full': 'Verify certificate and host name',
};

const sslModeField = (fallback: PostgresSslMode) =>
  z
    .enum(POSTGRES_SSL_MODES, {
      error: (issue) =>
        issue.input === 'disable'
          ? 'PostgreSQL connections are always encrypted: choose Required, Verify CA or Verify certificate and host name'
          : 'Choose Required, Verify CA or Verify certificate and host name',
    })
    .default(fallback)
    .meta(
      meta({
        label: 'SSL/TLS',
        section: 'tls',
        help: 'Always encrypted. Verify CA checks the server certificate against the CA certificate you paste; Verify certificate and host name also checks that it names the host (against the public certificate authorities when you paste none)',
        optionLabels: SSL_MODE_LABELS,
      }),
    );

const portField = (fallback: number) =>
  Port.default(fallback).meta(meta({ label: 'Port', section: 'connection' }));

/**
 * PostgreSQL's settings: exactly these fields (CONN-1: no connection string, no driver option, no
 * file path), the SSH tunnel's, and identity passthrough's (declared by the kinds that are
 * PostgreSQL itself; see `postgresFlavour`).
 */
export const PostgresSettings = z.strictObject({
  host: HostName.meta(meta({ label: 'Host', section: 'connection', placeholder: 'db.example.com' })),
  port: portField(5432),
  database: ObjectName('database name').meta(meta({ label: 'Database', section: 'connection' })),
  username: ObjectName('user name').meta(meta({ label: 'User name', section: 'credentials' })),
  sslMode: sslModeField('require'),
  caCertificate: CertificateText('CA certificate')
    .optional()
    .meta(
      meta({
        label: 'CA certificate',
        section: 'tls',
        multiline: true,
        placeholder: '-----BEGIN CERTIFICATE-----',
        help: "The certificate (or bundle) of the authority that signed the server's certificate, as PEM text. Needed for Verify CA",
      }),
    ),
  clientCertificate: CertificateText('client certificate')
    .optional()
    .meta(
      meta({
        label: 'Client certificate',
        section: 'tls',
        multiline: true,
        placeholder: '-----BEGIN CERTIFICATE-----',
        help: 'Only for a server that asks for one (PostgreSQL `cert` authentication), as PEM text, with its key below',
      }),
    ),
  ...sshSettingsShape,
  ...identitySettingsShape,
});
export type PostgresSettings = z.infer<typeof PostgresSettings>;

export const PostgresSecrets = z.strictObject({
  password: z
    .string()
    .max(1024, 'A password has at most 1024 characters')
    .optional()
    .meta(meta({ label: 'Password', section: 'credentials' })),
  clientKey: PrivateKeyText('client key')
    .optional()
    .meta(
      meta({
        label: 'Client key',
        section: 'tls',
        multiline: true,
        help: "The client certificate's private key, as PEM text without a passphrase. Sealed by the vault, never shown again",
      }),
    ),
  ...sshSecretsShape,
  ...identitySecretsShape,
});
export type PostgresSecrets = z.infer<typeof PostgresSecrets>;

/**
 * What no single field can say: Verify CA needs a CA, a client certificate needs its key (and the
 * key must be the certificate's). Field names the form shows the message beside.
 */
export function checkPostgresTls(
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
): SettingsIssue | null {
  const ca = typeof settings.caCertificate === 'string' ? settings.caCertificate : '';
  const certificate = typeof settings.clientCertificate === 'string' ? settings.clientCertificate : '';
  const key = secrets.clientKey ?? '';
  if (settings.sslMode === 'verify-ca' && ca === '') {
    return {
      field: 'caCertificate',
      message: "Verify CA needs the CA certificate that signed the server's certificate",
      hint: 'Paste it (PEM text), or choose Verify certificate and host name to trust the public certificate authorities',
    };
  }
  if (certificate !== '' && key === '') {
    return {
      field: 'clientKey',
      message: 'A client certificate needs its private key',
      hint: 'Paste the key (PEM text) that belongs to the client certificate',
    };
  }
  if (certificate === '' && key !== '') {
    return {
      field: 'clientCertificate',
      message: 'A client key needs its certificate',
      hint: 'Paste the client certificate (PEM text), or clear the key',
    };
  }
  if (certificate !== '' && !keyMatchesCertificate(certificate, key)) {
    return {
      field: 'clientKey',
      message: 'The client key does not belong to the client certificate',
      hint: "Paste the key the certificate was issued for (its public key must match the certificate's)",
    };
  }
  return null;
}

/** One PostgreSQL-protocol kind: PostgreSQL itself or a preset, sharing every field but port and TLS default. */
export type PostgresFlavour = Pick<ConnectorKind, 'kind' | 'label' | 'tier' | 'defaultPort'> & {
  tls: { requirement: ConnectorKind['tls']['requirement']; default: PostgresSslMode };
  /**
   * Whether it can pass the reader's identity: PostgreSQL itself (and its managed services) has the
   * row-level security the signed claims serve; Redshift, CockroachDB and Materialize do not.
   */
  identity: boolean;
};

/** The kinds that cannot pass identity declare none of its fields. */
const WITHOUT_IDENTITY_SETTINGS = { passIdentity: true, identitySchema: true } as const;
const WITHOUT_IDENTITY_SECRETS = { identityKey: true } as const;

/** The declaration of a PostgreSQL-protocol kind; the fields are PostgresSettings' with this port and TLS default. */
export function postgresFlavour(flavour: PostgresFlavour): ConnectorKind {
  return {
    kind: flavour.kind,
    label: flavour.label,
    tier: flavour.tier,
    dialect: 'postgresql',
    features: { schemaBrowsing: true, chartCells: true, ctePushDown: true, ssh: true, tls: true },
    defaultPort: flavour.defaultPort,
    tls: { requirement: flavour.tls.requirement, modes: POSTGRES_SSL_MODES, default: flavour.tls.default },
    settings: (flavour.identity ? PostgresSettings : PostgresSettings.omit(WITHOUT_IDENTITY_SETTINGS)).extend(
      {
        port: portField(flavour.defaultPort),
        sslMode: sslModeField(flavour.tls.default),
      },
    ),
    secrets: flavour.identity ? PostgresSecrets : PostgresSecrets.omit(WITHOUT_IDENTITY_SECRETS),
    check: (settings, secrets) =>
      sshTunnelFieldIssue(settings, secrets) ?? checkPostgresTls(settings, secrets),
  };
}

export const postgresKind: ConnectorKind = postgresFlavour({
  kind: 'postgres',
  label: 'PostgreSQL',
  tier: 1,
  defaultPort: 5432,
  tls: { requirement: 'required', default: 'require' },
  identity: true,
});

/** Text left blank in the form means none. */
const text = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

/** The driver's settings from a parsed PostgreSQL-protocol connection. */
export const postgresConfigFrom = (
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
): PostgresConfig => {
  const parsed = PostgresSettings.parse(settings);
  const caCertificate = text(parsed.caCertificate);
  const clientCertificate = text(parsed.clientCertificate);
  const clientKey = text(secrets.clientKey);
  return {
    host: parsed.host,
    port: parsed.port,
    database: parsed.database,
    username: parsed.username,
    password: secrets.password ?? '',
    sslMode: parsed.sslMode,
    ...(caCertificate ? { caCertificate } : {}),
    ...(clientCertificate && clientKey ? { clientCertificate, clientKey } : {}),
  };
};
