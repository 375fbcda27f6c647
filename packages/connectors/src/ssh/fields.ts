import { err, ok, type Result } from '@quarry/contracts';
import { z } from 'zod';
import type { FieldMeta, SettingsIssue } from '../registry/connector-kind';
import { HostName, ObjectName, Port } from '../registry/host-name';
import type { ConnectorError } from '../types';
import { MAX_PRIVATE_KEY_CHARS, PRIVATE_KEY_MESSAGES, privateKeyTextIssue } from './private-key';

const meta = (m: FieldMeta) => m;

/**
 * The tunnel's settings, spread into every kind's settings (`...sshSettingsShape`). The tunnel is on
 * when `sshHost` is set. Optional fields, not a refined object: a kind's schema must stay a plain
 * object for drafts (`.partial()`); `sshTunnelFieldIssue` checks that they go together.
 */
export const sshSettingsShape = {
  sshHost: HostName.optional().meta(
    meta({
      label: 'SSH host',
      section: 'ssh',
      placeholder: 'bastion.example.com',
      help: 'Leave empty to connect directly. When set, Quarry signs in to this SSH server and reaches the database from there: the database host is then resolved by the SSH server',
    }),
  ),
  // Optional rather than defaulted: a kind's driver settings type stays free of tunnel fields it
  // need not set (`sshTunnelFrom` reads 22 when absent).
  sshPort: Port.optional().meta(meta({ label: 'SSH port', section: 'ssh', placeholder: '22' })),
  sshUsername: ObjectName('SSH user name')
    .optional()
    .meta(meta({ label: 'SSH user name', section: 'ssh', placeholder: 'quarry' })),
};

/** The tunnel's secrets, spread into every kind's secrets (`...sshSecretsShape`); sealed by the vault. */
export const sshSecretsShape = {
  sshPrivateKey: z
    .string()
    .max(MAX_PRIVATE_KEY_CHARS, `A private key has at most ${MAX_PRIVATE_KEY_CHARS} characters`)
    .superRefine((text, ctx) => {
      const issue = privateKeyTextIssue(text);
      if (issue) ctx.addIssue({ code: 'custom', message: PRIVATE_KEY_MESSAGES[issue] });
    })
    .optional()
    .meta(
      meta({
        label: 'SSH private key',
        section: 'ssh',
        multiline: true,
        placeholder: '-----BEGIN OPENSSH PRIVATE KEY-----',
        help: "Paste the whole key file's text (OpenSSH or PEM: RSA, ECDSA or Ed25519). Its public half goes in the SSH user's authorized_keys",
      }),
    ),
  sshPassphrase: z
    .string()
    .max(1024, 'A passphrase has at most 1024 characters')
    .optional()
    .meta(meta({ label: 'SSH key passphrase', section: 'ssh', help: 'Only for an encrypted private key' })),
};

/** What a tunnel needs to open, from a connection's parsed settings and unsealed secrets. */
export type SshTunnelConfig = {
  host: string;
  port: number;
  username: string;
  privateKey: string;
  passphrase?: string;
};

const COMPLETE_OR_CLEAR = 'Complete the SSH tunnel section, or clear the SSH host to connect directly';

/**
 * The tunnel's fields that go together: with an SSH host, a user name and a private key. A kind's
 * `check` (complete connections only); null when complete or when there is no tunnel.
 */
export function sshTunnelFieldIssue(
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
): SettingsIssue | null {
  if (typeof settings.sshHost !== 'string' || settings.sshHost === '') return null;
  if (typeof settings.sshUsername !== 'string' || settings.sshUsername === '') {
    return {
      field: 'sshUsername',
      message: 'Enter the user name Quarry signs in to the SSH server with',
      hint: COMPLETE_OR_CLEAR,
    };
  }
  if (!secrets.sshPrivateKey) {
    return {
      field: 'sshPrivateKey',
      message: "Paste the SSH user's private key (its public half is in the user's authorized_keys)",
      hint: COMPLETE_OR_CLEAR,
    };
  }
  return null;
}

/**
 * The tunnel of a connection: null when it connects directly (no SSH host), an error when the
 * tunnel's fields are incomplete.
 */
export function sshTunnelFrom(
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
): Result<SshTunnelConfig | null, ConnectorError> {
  if (typeof settings.sshHost !== 'string' || settings.sshHost === '') return ok(null);
  const issue = sshTunnelFieldIssue(settings, secrets);
  if (issue) {
    return err({
      code: 'ssh.incomplete',
      message: issue.message,
      hint: issue.hint,
      details: { field: issue.field },
      kind: 'user',
      transient: false,
    });
  }
  return ok({
    host: settings.sshHost,
    port: typeof settings.sshPort === 'number' ? settings.sshPort : 22,
    username: settings.sshUsername as string,
    privateKey: secrets.sshPrivateKey as string,
    ...(secrets.sshPassphrase ? { passphrase: secrets.sshPassphrase } : {}),
  });
}
