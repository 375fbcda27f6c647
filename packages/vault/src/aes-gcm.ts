import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256-GCM with a random 96-bit IV and a 128-bit tag, always set explicitly (VAULT-3). */
export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

export type GcmSealed = { iv: Buffer; ciphertext: Buffer; tag: Buffer };

export const gcmEncrypt = (input: { key: Buffer; plaintext: Uint8Array; aad: Buffer }): GcmSealed => {
  const iv = randomBytes(GCM_IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, input.key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(input.aad);
  const ciphertext = Buffer.concat([cipher.update(input.plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
};

/**
 * The plaintext, or undefined when the tag does not verify (altered bytes, wrong key or wrong AAD).
 * Never hands out a partial plaintext: anything decrypted before a failed check is zeroed.
 */
export const gcmDecrypt = (input: { key: Buffer; sealed: GcmSealed; aad: Buffer }): Buffer | undefined => {
  const { iv, ciphertext, tag } = input.sealed;
  if (iv.length !== GCM_IV_BYTES || tag.length !== GCM_TAG_BYTES) return undefined;
  const decipher = createDecipheriv(ALGORITHM, input.key, iv, { authTagLength: GCM_TAG_BYTES });
  decipher.setAAD(input.aad);
  decipher.setAuthTag(tag);
  const partial = decipher.update(ciphertext);
  try {
    const rest = decipher.final();
    return rest.length === 0 ? partial : Buffer.concat([partial, rest]);
  } catch {
    partial.fill(0);
    return undefined;
  }
};
