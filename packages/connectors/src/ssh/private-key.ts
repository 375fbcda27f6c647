import { err, ok, type Result } from '@quarry/contracts';
import ssh2, { type ParsedKey } from 'ssh2';
import type { ConnectorError } from '../types';

/** The longest key text accepted: an RSA 16384-bit key in PEM is about 12,700 characters. */
export const MAX_PRIVATE_KEY_CHARS = 20_000;

// ssh2 is CommonJS and Node's ESM loader cannot see `utils` as a named export (vitest can, the
// product's processes cannot): take it from the module object.
const { utils } = ssh2;

export type PrivateKeyIssue = 'file_path' | 'public_key' | 'unreadable' | 'kdf_rounds';

/**
 * The most bcrypt rounds an encrypted OpenSSH key may ask for (ssh-keygen's default is 16, `-a 100`
 * the most guides suggest). ssh2 derives the key synchronously, on the runner's event loop, at every
 * tunnel opening, about 20 ms a round here: the round count is the key file's own (any 32-bit
 * number), so a key written for it would hold the runner for as long as its author likes.
 */
export const MAX_KDF_ROUNDS = 100;

/** The bcrypt rounds an encrypted OpenSSH-format key asks for; null for any other key. */
export function opensshKdfRounds(text: string): number | null {
  const begin = '-----BEGIN OPENSSH PRIVATE KEY-----';
  const start = text.indexOf(begin);
  const end = text.indexOf('-----END OPENSSH PRIVATE KEY-----', start);
  if (start === -1 || end === -1) return null;
  const body = text.slice(start + begin.length, end);
  const bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (bytes.subarray(0, magic.length).toString('latin1') !== magic) return null;
  let at = magic.length;
  const field = (): Buffer | null => {
    if (at + 4 > bytes.length) return null;
    const length = bytes.readUInt32BE(at);
    if (at + 4 + length > bytes.length) return null;
    const value = bytes.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    return value;
  };
  field(); // cipher name
  const kdf = field()?.toString('latin1');
  const options = field();
  if (kdf !== 'bcrypt' || !options || options.length < 4) return null;
  // kdfoptions: string salt, uint32 rounds.
  const saltLength = options.readUInt32BE(0);
  if (4 + saltLength + 4 > options.length) return null;
  return options.readUInt32BE(4 + saltLength);
}

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
  if ((opensshKdfRounds(trimmed) ?? 0) > MAX_KDF_ROUNDS) return 'kdf_rounds';
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
  kdf_rounds: `This private key is encrypted with more than ${MAX_KDF_ROUNDS} rounds, which would hold every connection up: paste it unencrypted (Quarry's vault seals it) or re-encrypt it (ssh-keygen -p -a 16)`,
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
