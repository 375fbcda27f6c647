import { randomBytes } from 'node:crypto';
import { KEK_BYTES } from './kek';

/** A new master key: base64 of 32 bytes from the CSPRNG, the same shape as `openssl rand -base64 32`. */
export const generateMasterKey = (): string => randomBytes(KEK_BYTES).toString('base64');
