/** A key-encryption key: wraps the per-record data keys. `key` is 32 bytes (AES-256). */
export type Kek = { id: string; key: Buffer };

export const KEK_BYTES = 32;

/** KEK ids are stored in every record: 1–255 printable ASCII characters, no spaces. */
export const isWellFormedKekId = (id: string): boolean => /^[\x21-\x7e]{1,255}$/.test(id);
