import { GCM_IV_BYTES, GCM_TAG_BYTES, type GcmSealed } from './aes-gcm';
import { isWellFormedKekId } from './kek';
import { err, ok, type Result } from './result';
import { badFormatError, type VaultError } from './vault-error';

/**
 * Sealed record layout, version 1. Offsets in bytes, L = KEK id length, n = plaintext length.
 *
 *   offset   size  field
 *   0        1     version, 0x01
 *   1        1     L, the KEK id length (1–255)
 *   2        L     KEK id, printable ASCII (e.g. `kek_` + 16 hex characters)
 *   2+L      12    wrap IV               ┐ the record's data key, AES-256-GCM under the KEK
 *   14+L     32    wrapped data key      │ AAD = bytes 0..2+L (the key header) + context bytes
 *   46+L     16    wrap tag              ┘
 *   62+L     12    body IV               ┐ the plaintext, AES-256-GCM under the data key
 *   74+L     16    body tag              │ AAD = the version byte + context bytes
 *   90+L     n     body ciphertext       ┘
 *
 * Context bytes are `encodeContext` (length-prefixed workspaceId, recordId, purpose).
 *
 * Every byte is authenticated: the version by both tags, the KEK id by the wrap's AAD, the wrapped
 * key by the wrap tag, and the body by the body tag under a data key that is fresh for each record.
 * The body's AAD deliberately leaves out the KEK id and the wrapped key: re-wrapping replaces them
 * without touching the body, and a new body tag over a new AAD would need either a re-encryption or
 * a second tag under the same (data key, IV), which GCM forbids.
 */
export const RECORD_VERSION = 0x01;
export const DATA_KEY_BYTES = 32;
const WRAP_BYTES = GCM_IV_BYTES + DATA_KEY_BYTES + GCM_TAG_BYTES;
const BODY_OVERHEAD = GCM_IV_BYTES + GCM_TAG_BYTES;

export type SealedRecord = {
  kekId: string;
  /** version | L | KEK id: the AAD prefix of the wrapped data key. */
  keyHeader: Buffer;
  wrap: GcmSealed;
  body: GcmSealed;
  /** The body section exactly as stored (IV | tag | ciphertext), carried over verbatim by a re-wrap. */
  bodyBytes: Buffer;
};

/** The version byte, L and the KEK id. */
export const encodeKeyHeader = (kekId: string): Buffer => {
  if (!isWellFormedKekId(kekId)) throw new TypeError('A KEK id must be 1–255 printable ASCII characters');
  const id = Buffer.from(kekId, 'ascii');
  return Buffer.concat([Buffer.from([RECORD_VERSION, id.length]), id]);
};

export const wrapAad = (keyHeader: Buffer, contextBytes: Buffer): Buffer =>
  Buffer.concat([keyHeader, contextBytes]);

export const bodyAad = (contextBytes: Buffer): Buffer =>
  Buffer.concat([Buffer.from([RECORD_VERSION]), contextBytes]);

/** Key header + wrap section: everything before the body, the part that re-wrapping replaces. */
export const encodeKeySection = (keyHeader: Buffer, wrap: GcmSealed): Buffer =>
  Buffer.concat([keyHeader, wrap.iv, wrap.ciphertext, wrap.tag]);

export const encodeBody = (body: GcmSealed): Buffer => Buffer.concat([body.iv, body.tag, body.ciphertext]);

/** Splits a record into its fields (views, not copies). Checks structure only, not integrity. */
export const parseRecord = (record: Uint8Array): Result<SealedRecord, VaultError> => {
  const bytes = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  if (bytes.length < 2) return err(badFormatError('The data is too short to be an encrypted record'));
  if (bytes[0] !== RECORD_VERSION) {
    return err(badFormatError('The data is not an encrypted record this version of Quarry can read'));
  }
  const idLength = bytes[1] ?? 0;
  const wrapStart = 2 + idLength;
  const bodyStart = wrapStart + WRAP_BYTES;
  if (idLength === 0 || bytes.length < bodyStart + BODY_OVERHEAD) {
    return err(badFormatError('The encrypted record is truncated or malformed'));
  }
  const kekIdBytes = bytes.subarray(2, wrapStart);
  const kekId = kekIdBytes.toString('latin1');
  if (!isWellFormedKekId(kekId)) return err(badFormatError('The encrypted record names a malformed key id'));
  const at = (start: number, size: number) => bytes.subarray(start, start + size);
  return ok({
    kekId,
    keyHeader: bytes.subarray(0, wrapStart),
    wrap: {
      iv: at(wrapStart, GCM_IV_BYTES),
      ciphertext: at(wrapStart + GCM_IV_BYTES, DATA_KEY_BYTES),
      tag: at(wrapStart + GCM_IV_BYTES + DATA_KEY_BYTES, GCM_TAG_BYTES),
    },
    body: {
      iv: at(bodyStart, GCM_IV_BYTES),
      tag: at(bodyStart + GCM_IV_BYTES, GCM_TAG_BYTES),
      ciphertext: bytes.subarray(bodyStart + BODY_OVERHEAD),
    },
    bodyBytes: bytes.subarray(bodyStart),
  });
};
