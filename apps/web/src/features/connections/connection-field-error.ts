import type { QuarryError } from '@quarry/contracts';
import { hasCode } from '../../ui/quarry-error';

/** The form's own fields beside the kind's: the connection's name and its kind. */
const FORM_FIELDS = ['name', 'kind'] as const;

/**
 * Where a connector's answer belongs when the server names no field: the first of these the kind
 * has. A kind without any of them gets the error at the top of the form.
 */
const FIELDS_BY_CODE: Readonly<Record<string, readonly string[]>> = {
  'connector.auth_failed': ['password', 'username'],
  'connector.database_not_found': ['database'],
  'connector.unreachable': ['host', 'port'],
  'connector.tls_unavailable': ['sslMode'],
  'connector.tls_untrusted': ['caCertificate', 'sslMode'],
  'connector.tls_host_mismatch': ['host', 'sslMode'],
  'connector.tls_client_certificate_refused': ['clientCertificate', 'clientKey'],
  'net.address_refused': ['host'],
  'net.unresolvable': ['host'],
  'connections.name_taken': ['name'],
  'connections.unknown_kind': ['kind'],
  // The SSH tunnel's own failures, beside its fields; a changed host key concerns the whole form.
  'ssh.address_refused': ['sshHost'],
  'ssh.host_unresolvable': ['sshHost'],
  'ssh.unreachable': ['sshHost', 'sshPort'],
  'ssh.timeout': ['sshHost', 'sshPort'],
  'ssh.handshake_failed': ['sshPort', 'sshHost'],
  'ssh.auth_failed': ['sshPrivateKey', 'sshUsername'],
  'ssh.key_invalid': ['sshPrivateKey'],
  'ssh.key_passphrase': ['sshPassphrase'],
  'ssh.target_unreachable': ['host', 'port'],
};

/** `settings.host` and `secrets.password` name the kind's own fields. */
const stripPrefix = (path: string): string => path.replace(/^(settings|secrets)\./, '');

/**
 * Which field of a connection form an error belongs next to, among `fields` (the kind's field
 * names); null when it concerns the form as a whole. `connections.invalid_settings` names the
 * field in `details.field`, a validation error in `details.path`.
 */
export function connectionFieldOf(error: QuarryError, fields: readonly string[]): string | null {
  const known = new Set<string>([...FORM_FIELDS, ...fields]);
  const named = hasCode(error, 'connections.invalid_settings')
    ? error.details?.field
    : hasCode(error, 'input.invalid')
      ? error.details?.path
      : undefined;
  if (typeof named === 'string' && named) {
    const field = stripPrefix(named);
    return known.has(field) ? field : null;
  }
  return FIELDS_BY_CODE[error.code]?.find((field) => known.has(field)) ?? null;
}
