import { randomBytes } from 'node:crypto';
import { gcmDecrypt, gcmEncrypt } from './aes-gcm';
import { isWellFormedKekId, KEK_BYTES, type Kek } from './kek';
import { bodyAad, DATA_KEY_BYTES, encodeBody, parseRecord, type SealedRecord } from './record-layout';
import { err, ok, type Result } from './result';
import { unwrapDataKey } from './unwrap-data-key';
import { contextProblem, encodeContext, type VaultContext } from './vault-context';
import {
  badFormatError,
  contextMismatchError,
  tamperedError,
  unknownKeyError,
  type VaultError,
} from './vault-error';
import { wrapDataKey } from './wrap-data-key';

export type Vault = {
  /** The KEK that `seal` and `rewrap` wrap data keys under. */
  activeKeyId: string;
  /** Encrypts under a fresh random 32-byte data key and IV. Throws only for a malformed context (a bug). */
  seal(plaintext: Uint8Array | string, context: VaultContext): Buffer;
  /** The plaintext, or a typed error; never throws for bad input and never returns a partial plaintext. */
  open(record: Uint8Array, context: VaultContext): Result<Buffer, VaultError>;
  /** Like `open`, for records sealed from a string. */
  openText(record: Uint8Array, context: VaultContext): Result<string, VaultError>;
  /**
   * The same record with its data key wrapped under the active KEK; the body is copied verbatim.
   * A record already under the active KEK comes back as an unchanged copy, so re-running is safe.
   * The wrap is verified against the context; the body is not read (`open` checks it).
   */
  rewrap(record: Uint8Array, context: VaultContext): Result<Buffer, VaultError>;
  /** The id of the KEK a record is wrapped under, read without decrypting anything. */
  keyIdOf(record: Uint8Array): Result<string, VaultError>;
};

export type CreateVaultInput = { keys: Kek[]; activeKeyId: string };

type Unwrapped = { record: SealedRecord; dataKey: Buffer; contextBytes: Buffer };

const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const encodeText = (text: string): Buffer => {
  if (!text.isWellFormed())
    throw new TypeError('Plaintext strings must be well-formed UTF-16 (no lone surrogates)');
  return Buffer.from(text, 'utf8');
};

/**
 * A vault over a keyring of KEKs. Throws for a malformed keyring (a configuration bug; use
 * `loadVaultFromEnv` for user-supplied keys). The keys are copied, so later changes to the
 * caller's buffers do not reach the vault.
 *
 * Each seal and each re-wrap spends one random 96-bit IV under the active KEK; NIST SP 800-38D caps
 * that at 2^32 per key, so rotate the master key long before (VAULT-4).
 */
export const createVault = ({ keys, activeKeyId }: CreateVaultInput): Vault => {
  const keyring = new Map<string, Buffer>();
  for (const kek of keys) {
    if (!isWellFormedKekId(kek.id)) throw new TypeError('A KEK id must be 1–255 printable ASCII characters');
    if (!(kek.key instanceof Uint8Array) || kek.key.length !== KEK_BYTES) {
      throw new TypeError(`KEK ${kek.id} must be exactly ${KEK_BYTES} bytes`);
    }
    if (keyring.has(kek.id)) throw new TypeError(`KEK id ${kek.id} appears twice in the keyring`);
    const key = Buffer.alloc(KEK_BYTES);
    key.set(kek.key);
    keyring.set(kek.id, key);
  }
  const activeKey = keyring.get(activeKeyId);
  if (activeKey === undefined) throw new TypeError(`The active KEK ${activeKeyId} is not in the keyring`);
  const active: Kek = { id: activeKeyId, key: activeKey };

  const unwrap = (bytes: Uint8Array, context: VaultContext): Result<Unwrapped, VaultError> => {
    const problem = contextProblem(context);
    if (problem !== undefined) return err(contextMismatchError(problem));
    const parsed = parseRecord(bytes);
    if (!parsed.ok) return parsed;
    const record = parsed.value;
    const kekKey = keyring.get(record.kekId);
    if (kekKey === undefined) return err(unknownKeyError(record.kekId));
    const contextBytes = encodeContext(context);
    const dataKey = unwrapDataKey({ kekKey, record, contextBytes });
    if (dataKey === undefined) return err(tamperedError());
    return ok({ record, dataKey, contextBytes });
  };

  const open = (bytes: Uint8Array, context: VaultContext): Result<Buffer, VaultError> => {
    const unwrapped = unwrap(bytes, context);
    if (!unwrapped.ok) return unwrapped;
    const { record, dataKey, contextBytes } = unwrapped.value;
    try {
      const plaintext = gcmDecrypt({ key: dataKey, sealed: record.body, aad: bodyAad(contextBytes) });
      return plaintext === undefined ? err(tamperedError()) : ok(plaintext);
    } finally {
      dataKey.fill(0);
    }
  };

  return Object.freeze({
    activeKeyId,

    seal(plaintext: Uint8Array | string, context: VaultContext): Buffer {
      const problem = contextProblem(context);
      if (problem !== undefined) throw new TypeError(problem);
      const bytes = typeof plaintext === 'string' ? encodeText(plaintext) : plaintext;
      const contextBytes = encodeContext(context);
      const dataKey = randomBytes(DATA_KEY_BYTES);
      try {
        const keySection = wrapDataKey({ kek: active, dataKey, contextBytes });
        const body = gcmEncrypt({ key: dataKey, plaintext: bytes, aad: bodyAad(contextBytes) });
        return Buffer.concat([keySection, encodeBody(body)]);
      } finally {
        dataKey.fill(0);
      }
    },

    open,

    openText(record: Uint8Array, context: VaultContext): Result<string, VaultError> {
      const opened = open(record, context);
      if (!opened.ok) return opened;
      try {
        return ok(textDecoder.decode(opened.value));
      } catch {
        return err(badFormatError('The record holds binary data, not text'));
      } finally {
        opened.value.fill(0);
      }
    },

    rewrap(record: Uint8Array, context: VaultContext): Result<Buffer, VaultError> {
      const unwrapped = unwrap(record, context);
      if (!unwrapped.ok) return unwrapped;
      const { record: sealed, dataKey, contextBytes } = unwrapped.value;
      try {
        if (sealed.kekId === activeKeyId) return ok(Buffer.from(record));
        const keySection = wrapDataKey({ kek: active, dataKey, contextBytes });
        return ok(Buffer.concat([keySection, sealed.bodyBytes]));
      } finally {
        dataKey.fill(0);
      }
    },

    keyIdOf(record: Uint8Array): Result<string, VaultError> {
      const parsed = parseRecord(record);
      return parsed.ok ? ok(parsed.value.kekId) : parsed;
    },
  });
};
