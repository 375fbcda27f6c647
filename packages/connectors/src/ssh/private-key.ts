import { err, ok, type Result } from '@quarry/contracts';
import ssh2, { type ParsedKey } from 'ssh2';
import type { ConnectorError } from '../types';

/** The longest key text accepted: an RSA 16384-bit key in PEM is about 12,700 characters. */
export const MAX_PRIVATE_KEY_CHARS = 20_000;

// ssh2 is CommonJS and Node's ESM loader cannot see `utils` as a named export (vitest can, the
// product's processes cannot): take it from the module object.
const { utils } = ssh2;

export type PrivateKeyIssue = 'file_path' | 'public_key' | 'unreadable';

const PUBLIC_KEY =
  /^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-\S+|sk-\S+) [A-Za-z0-9+/=]+|^-----BEGIN (RSA )?PUBLIC KEY-----|^---- BEGIN SSH2 PUBLIC KEY ----/;

/**
 * What is wrong with a private key's text, before any passphrase (an encrypted key is fine here):
 * the field's own check, so the form says it beside the field. A single line that is not a key is
 * almost always the path of the key's file, which Quarry never reads (CONN-1).
 */
export function privateKeyTextIssue(text: string): PrivateKeyIssue | null {
  const trimmed = text.trim();
  if (PUBLIC_KEY.test(trimmed)) return 'public_key';
  const parsed = utils.parseKey(trimmed);
  if (!(parsed instanceof Error)) return first(parsed).getPrivatePEM() === null ? 'public_key' : null;
  if (/no passphrase given/i.test(parsed.message)) return null;
  if (!/\r|\n/.test(trimmed) && !trimmed.startsWith('-----') && !/\s/.test(trimmed)) return 'file_path';
  return 'unreadable';
}

export const PRIVATE_KEY_MESSAGES: Record<PrivateKeyIssue, string> = {
  file_path:
    "Paste the private key's text (it starts with -----BEGIN), not the path of its file: Quarry does not read files",
  public_key:
    'This is a public key (the .pub file); paste the private key, the file of the same name without .pub',
  unreadable:
    'This is not a private key Quarry can read: paste an OpenSSH or PEM private key (RSA, ECDSA or Ed25519), from -----BEGIN to -----END',
};

/** `ssh.key_passphrase` for the passphrase (shown beside its field), `ssh.key_invalid` for the key. */
const keyError = (
  message: string,
  hint: string,
  internal?: string,
  code: 'ssh.key_invalid' | 'ssh.key_passphrase' = 'ssh.key_invalid',
): ConnectorError => ({
  code,
  message,
  hint,
  kind: 'user',
  transient: false,
  ...(internal ? { internal } : {}),
});

/**
 * Parses the tunnel's private key with its passphrase: the key ssh2 signs with, or a typed error
 * that says what to do (missing or wrong passphrase, a public key, a file path). Never echoes the
 * key or the passphrase.
 */
export function parsePrivateKey(
  text: string,
  passphrase: string | undefined,
): Result<ParsedKey, ConnectorError> {
  const issue = privateKeyTextIssue(text);
  if (issue) {
    return err(keyError(PRIVATE_KEY_MESSAGES[issue], 'Correct the private key in the SSH tunnel settings'));
  }
  const parsed = utils.parseKey(text.trim(), passphrase === '' ? undefined : passphrase);
  if (parsed instanceof Error) {
    if (/no passphrase given/i.test(parsed.message)) {
      return err(
        keyError(
          'This private key is encrypted and no passphrase was given',
          "Enter the key's passphrase in the SSH tunnel settings",
          undefined,
          'ssh.key_passphrase',
        ),
      );
    }
    if (/passphrase|integrity check|Malformed/i.test(parsed.message) && passphrase) {
      return err(
        keyError(
          'The passphrase does not decrypt this private key',
          "Enter the key's passphrase again (it is case-sensitive), or paste the key it belongs to",
          parsed.message,
          'ssh.key_passphrase',
        ),
      );
    }
    return err(
      keyError(
        PRIVATE_KEY_MESSAGES.unreadable,
        'Correct the private key in the SSH tunnel settings',
        parsed.message,
      ),
    );
  }
  return ok(first(parsed));
}

const first = (parsed: ParsedKey | ParsedKey[]): ParsedKey =>
  Array.isArray(parsed) ? (parsed[0] as ParsedKey) : parsed;
