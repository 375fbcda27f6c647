import { createHash } from 'node:crypto';

/**
 * A stable id for a master key: `kek_` + the first 16 hex characters (64 bits) of its SHA-256.
 * A hash prefix of a 256-bit random key reveals nothing usable about the key, so the id may appear
 * in records, logs and error messages.
 */
export const kekIdFor = (key: Buffer): string =>
  `kek_${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
