import { KEK_BYTES } from './kek';
import { err, ok, type Result } from './result';
import { badMasterKeyError, type VaultError } from './vault-error';

const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes a base64 master key; `name` says which key in messages (e.g. `QUARRY_MASTER_KEY`).
 * Surrounding whitespace, such as a trailing newline, is ignored; otherwise the key must be
 * canonical standard base64 of exactly 32 bytes. Messages never repeat the input.
 */
export const decodeMasterKey = (base64: string, name: string): Result<Buffer, VaultError> => {
  const text = base64.trim();
  if (text === '')
    return err(badMasterKeyError(`${name} is empty; it must be 32 random bytes encoded as base64`));
  if (!STANDARD_BASE64.test(text)) {
    return err(
      badMasterKeyError(`${name} is not valid base64; it must be 32 random bytes encoded as base64`),
    );
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEK_BYTES) {
    const length = key.length;
    key.fill(0);
    return err(
      badMasterKeyError(`${name} decodes to ${length} bytes; it must be exactly ${KEK_BYTES} bytes`),
    );
  }
  // Refuses stray low bits in the last character, so each key has exactly one spelling.
  if (key.toString('base64') !== text) {
    key.fill(0);
    return err(
      badMasterKeyError(`${name} is not canonical base64; it must be 32 random bytes encoded as base64`),
    );
  }
  return ok(key);
};

/** Decodes a base64 master key: exactly 32 bytes, or a `vault.bad_master_key` error with a hint. */
export const parseMasterKey = (base64: string): Result<Buffer, VaultError> =>
  decodeMasterKey(base64, 'The master key');
