import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';

/** AUTH-1: 256 bits from the CSPRNG for the secret, 80 bits for the (non-secret) lookup id. */
export function generateSecretToken(): { id: string; secret: string } {
  const id = crypto.getRandomValues(new Uint8Array(10));
  const secret = crypto.getRandomValues(new Uint8Array(32));
  return { id: encodeBase32LowerCaseNoPadding(id), secret: encodeBase32LowerCaseNoPadding(secret) };
}

export function hashSecret(secret: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(secret)));
}

/** Compares a presented secret with a stored hash without leaking where they differ. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = new TextEncoder().encode(hashSecret(secret));
  const stored = new TextEncoder().encode(storedHash);
  return presented.length === stored.length && constantTimeEqual(presented, stored);
}
